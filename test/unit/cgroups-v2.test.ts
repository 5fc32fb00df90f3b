// The v2 driver against a fake cgroupfs tree (this host is hybrid v1; GitHub runners are v2).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, writeFile, readFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ledger } from '../../src/core/ledger.js';
import { CgroupV2 } from '../../src/cgroups/v2.js';
import { sharedParent } from '../../src/cgroups/fsgroup.js';
import { groupParentName } from '../../src/core/names.js';
import { sharesToWeightLinear, sharesToWeightLog, sharesToWeightSystemd, weightToShares, predictSplit } from '../../src/cgroups/weights.js';
import { weightFormula } from '../../src/cgroups/docker.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fake-cgroupfs-'));
  await writeFile(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  await writeFile(path.join(root, 'cgroup.subtree_control'), 'memory pids\n');
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('CgroupV2 on a fake tree', () => {
  it('enables only missing controllers, creates the group under the run parent, writes v2 files', async () => {
    const ledger = new Ledger();
    const parent = path.join(root, groupParentName());
    const kernel = (dir: string) => writeFile(path.join(dir, 'cgroup.controllers'), 'cpu memory pids\n');
    const g = await new CgroupV2(root, kernel).create(ledger, 'red', ['cpu']);
    expect(await readFile(path.join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+cpu');
    expect(g.paths.unified).toBe(path.join(parent, 'red'));
    await g.setWeight(80);
    expect(await readFile(path.join(parent, 'red', 'cpu.weight'), 'utf8')).toBe('80');
    await g.setCpuQuota(20_000, 100_000);
    expect(await readFile(path.join(parent, 'red', 'cpu.max'), 'utf8')).toBe('20000 100000');
    await g.setMemoryLimit(64 << 20);
    expect(await readFile(path.join(parent, 'red', 'memory.max'), 'utf8')).toBe(String(64 << 20));
    expect(await readFile(path.join(parent, 'red', 'memory.swap.max'), 'utf8')).toBe('0');
    await writeFile(path.join(parent, 'red', 'cpu.stat'), 'usage_usec 1500\nuser_usec 1000\n');
    expect(await g.cpuUsageNs()).toBe(1_500_000);
    await writeFile(path.join(parent, 'red', 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    expect(await g.oomKills()).toBe(1);
    expect(await readdir(parent)).toContain('red');
    // The claim holds the process's parent; the root's change belongs to the parent, undone after it.
    expect(ledger.list().map((e) => e.name)).toContain(`${parent} (this process's parent)`);
    await ledger.close(); // the fake tree's files keep the parent from going; the root is still undone
    // memory and pids were already on at the root: only cpu was turned on, and only cpu is undone.
    expect(await readFile(path.join(root, 'cgroup.subtree_control'), 'utf8')).toBe('-cpu');
  });

  it('claims side by side share the parent: made once, removed after the last one, the root after it', async () => {
    const order: string[] = [];
    const make = async (own: Ledger, outer: Ledger) => {
      order.push('made');
      outer.add('cgroup', 'root +cpu', () => void order.push('root undone'));
      own.add('cgroup', 'parent', () => void order.push('parent removed'));
    };
    const [a, b] = [new Ledger('a'), new Ledger('b')];
    const dir = path.join(root, 'shared-parent');
    await Promise.all([sharedParent(a, dir, make), sharedParent(b, dir, make)]);
    expect(order).toEqual(['made']);
    await a.close(); // the first claim to finish leaves it to the other
    expect(order).toEqual(['made']);
    await b.close();
    expect(order).toEqual(['made', 'parent removed', 'root undone']);
    const c = new Ledger('c');
    await sharedParent(c, dir, make); // made again on the next use
    expect(order.filter((x) => x === 'made')).toHaveLength(2);
    await c.close();
  });

  it('a parent taken while it is being removed is made anew after the removal (CI: EEXIST on mkdir)', async () => {
    const order: string[] = [];
    const make = async (own: Ledger) => {
      order.push('made');
      own.add('cgroup', 'parent', async () => {
        await new Promise((r) => setTimeout(r, 50));
        order.push('removed');
      });
    };
    const dir = path.join(root, 'racing-parent');
    const a = new Ledger('a');
    await sharedParent(a, dir, make);
    const closing = a.close();
    const b = new Ledger('b');
    await sharedParent(b, dir, make);
    await closing;
    expect(order).toEqual(['made', 'removed', 'made']);
    await b.close();
  });

  it('names a controller the host does not offer', async () => {
    await writeFile(path.join(root, 'cgroup.controllers'), 'memory pids\n');
    await expect(new CgroupV2(root).create(new Ledger(), 'red', ['cpu'])).rejects.toThrow(/controller "cpu" is not available/);
  });
});

describe('weights and shares', () => {
  it('v2 weight → v1 shares keeps the ratio (systemd mapping)', () => {
    expect(weightToShares(100)).toBe(1024);
    expect(weightToShares(80) / weightToShares(20)).toBeCloseTo(4, 1);
  });
  it('runtime formulas for --cpu-shares on v2', () => {
    expect(sharesToWeightLinear(1024)).toBe(39);
    expect(sharesToWeightLinear(2)).toBe(1);
    expect(sharesToWeightLinear(262144)).toBe(10000);
    expect(sharesToWeightLog(1024)).toBe(100);
    expect(sharesToWeightLog(2)).toBe(1);
    expect(sharesToWeightLog(262144)).toBe(10000);
    expect(sharesToWeightSystemd(1024)).toBe(100);
    // The lecture's 20 vs 80 under the old linear formula: both round to weight 1 → 50/50.
    expect([sharesToWeightLinear(20), sharesToWeightLinear(80)]).toEqual([1, 3]);
  });
  it('names the formula the runtime used from what it wrote', () => {
    expect(weightFormula([[20, 1], [80, 3]])).toMatch(/linear/);
    expect(weightFormula([[1024, 100], [256, sharesToWeightLog(256)]])).toMatch(/log-quadratic/);
    expect(weightFormula([[20, 777]])).toBe('unknown');
  });
  it('predicts the split from weights', () => {
    expect(predictSplit({ a: 1, b: 3 })).toEqual({ a: 0.25, b: 0.75 });
  });
});
