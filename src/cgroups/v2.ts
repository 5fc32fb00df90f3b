// cgroup v2: one unified tree. Controllers must be enabled in each parent's
// cgroup.subtree_control; a group with children may not hold processes ("no internal tasks").
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Ledger } from '../core/ledger.js';
import { groupParentName } from '../core/names.js';
import type { CgroupDriver, Controller, Group } from './driver.js';
import { FsGroup, makeGroupDir, readInt, readKey, sharedParent, write } from './fsgroup.js';

class V2Group extends FsGroup implements Group {
  private get dir() {
    return this.paths.unified!;
  }
  setWeight(weight: number) {
    return write(path.join(this.dir, 'cpu.weight'), String(weight));
  }
  setCpuQuota(quotaUs: number, periodUs: number) {
    return write(path.join(this.dir, 'cpu.max'), `${quotaUs} ${periodUs}`);
  }
  async setMemoryLimit(bytes: number) {
    const done = [await write(path.join(this.dir, 'memory.max'), String(bytes))];
    // With swap (GitHub runners have it) the limit would mean swapping instead of OOM.
    done.push(await write(path.join(this.dir, 'memory.swap.max'), '0').catch(() =>
      ({ file: 'memory.swap.max', value: 'n/a (no swap accounting)' })));
    return done;
  }
  setPidsLimit(max: number) {
    return write(path.join(this.dir, 'pids.max'), String(max));
  }
  setCpus(cpus: string) {
    return write(path.join(this.dir, 'cpuset.cpus'), cpus);
  }
  async setMemoryHigh(bytes: number) {
    const done = [await write(path.join(this.dir, 'memory.high'), String(bytes))];
    // With swap, "over high" would page out instead of being held there.
    done.push(await write(path.join(this.dir, 'memory.swap.max'), '0').catch(() =>
      ({ file: 'memory.swap.max', value: 'n/a (no swap accounting)' })));
    return done;
  }
  setFrozen(frozen: boolean) {
    return write(path.join(this.dir, 'cgroup.freeze'), frozen ? '1' : '0');
  }
  async frozen() {
    return (await readKey(path.join(this.dir, 'cgroup.events'), 'frozen')) === 1;
  }
  async memoryEvents() {
    const out: Record<string, number> = {};
    for (const l of (await readFile(path.join(this.dir, 'memory.events'), 'utf8').catch(() => '')).split('\n')) {
      const [k, v] = l.trim().split(/\s+/);
      if (k && v) out[k] = Number(v);
    }
    return out;
  }
  async memoryPeak() {
    return readInt(path.join(this.dir, 'memory.peak')).catch(() => null);
  }
  async memoryStallUs() {
    // "some avg10=0.00 avg60=0.00 avg300=0.00 total=1234"; the file is missing, or refuses to be
    // read (EOPNOTSUPP), when the kernel runs with PSI off (CONFIG_PSI_DEFAULT_DISABLED, psi=0).
    const text = await readFile(path.join(this.dir, 'memory.pressure'), 'utf8').catch(() => '');
    const m = /^some .*\btotal=(\d+)/m.exec(text);
    return m ? Number(m[1]) : null;
  }
  async cpuUsageNs() {
    return (await readKey(path.join(this.dir, 'cpu.stat'), 'usage_usec')) * 1000;
  }
  async cpuThrottling() {
    const f = path.join(this.dir, 'cpu.stat');
    return { periods: await readKey(f, 'nr_periods'), throttled: await readKey(f, 'nr_throttled') };
  }
  oomKills() {
    return readKey(path.join(this.dir, 'memory.events'), 'oom_kill');
  }
  pidsMaxEvents() {
    return readKey(path.join(this.dir, 'pids.events'), 'max');
  }
}

export class CgroupV2 implements CgroupDriver {
  readonly version = 2 as const;
  /**
   * kernelFiles: for tests on a fake tree, what the kernel would create in a new group dir
   * (cgroup.controllers, …); on a real cgroupfs it is not needed.
   */
  constructor(private readonly root = '/sys/fs/cgroup', private readonly kernelFiles?: (dir: string) => Promise<void>) {}

  /** Enable controllers in dir's subtree_control, undoing only what we turned on. */
  private async enable(ledger: Ledger, dir: string, controllers: string[]): Promise<void> {
    const file = path.join(dir, 'cgroup.subtree_control');
    const on = (await readFile(file, 'utf8').catch(() => '')).trim().split(/\s+/);
    const available = (await readFile(path.join(dir, 'cgroup.controllers'), 'utf8').catch(() => '')).trim().split(/\s+/);
    for (const c of controllers) {
      if (on.includes(c)) continue;
      if (!available.includes(c))
        throw new Error(`cgroup v2 controller "${c}" is not available in ${dir} (cgroup.controllers: ${available.join(' ') || 'none'})`);
      await write(file, `+${c}`);
      if (dir === this.root) ledger.add('cgroup', `${file} +${c}`, () => write(file, `-${c}`).catch(() => undefined));
    }
  }

  async create(ledger: Ledger, name: string, controllers: Controller[]): Promise<Group> {
    // v2 has no freezer controller: cgroup.freeze is in every group.
    const want = [...new Set(controllers)].filter((c) => c !== 'freezer');
    const parentDir = path.join(this.root, groupParentName());
    const { outer } = await sharedParent(ledger, parentDir, async (own, root) => {
      await this.enable(root, this.root, ['cpu', 'memory', 'pids']);
      await makeGroupDir(own, parentDir);
      await this.kernelFiles?.(parentDir);
    });
    // The root's controllers are undone after the parent is gone (before, the kernel refuses).
    if (want.includes('cpuset')) await this.enable(outer, this.root, ['cpuset']);
    // Nested: each group on the way down hands the controllers on (its own subtree_control).
    const parts = name.split('/');
    for (let i = 0; i < parts.length; i++) await this.enable(ledger, path.join(parentDir, ...parts.slice(0, i)), want);
    const dir = path.join(parentDir, name);
    await makeGroupDir(ledger, dir);
    await this.kernelFiles?.(dir);
    return new V2Group(name, { unified: dir });
  }

  async procCgroupOf(pid: number): Promise<string> {
    const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).split('\n');
    return lines.find((l) => l.startsWith('0::'))?.slice(3) ?? '';
  }
}
