// cpuset.cpus run: a worker confined to its CPUs whatever affinity it asks for.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Ledger } from '../core/ledger.js';
import { exclusive } from '../core/windows.js';
import type { CgroupDriver } from './driver.js';
import { windowGroups, usageOver } from './measure.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { HOG, type CgroupScenario, type Outcome } from './declared.js';

const allowedOf = async (pid: number) =>
  /Cpus_allowed_list:\s*(\S+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))?.[1] ?? '?';

/** cpuset.cpus confines workers that ask taskset for every CPU; a sibling without it is the control. */
export async function cpuset(ledger: Ledger, driver: CgroupDriver, s: CgroupScenario): Promise<Outcome> {
  const spec = s.groups[0]!;
  if (!spec.cpus) throw new Error(`${s.name}: a cpuset scenario needs "cpus" on its group`);
  const n = os.availableParallelism?.() ?? os.cpus().length;
  const every = n === 1 ? '0' : `0-${n - 1}`;
  const named = windowGroups();
  const { value } = await exclusive(`cpuset "${s.name}"`, async () => {
    const g = await driver.create(ledger, named(spec.name), ['cpu', 'cpuset']);
    const wrote = await g.setCpus(spec.cpus!);
    const free = await driver.create(ledger, named(`${spec.name}-free`), ['cpu', 'cpuset']);
    // Each worker asks for every CPU of the host; the kernel intersects with the group's set.
    const hogs = [];
    for (let i = 0; i < n; i++) hogs.push(await g.exec(ledger, ['taskset', '-c', every, ...HOG], { maxLifeMs: 30_000 }));
    const ctl = await free.exec(ledger, ['taskset', '-c', every, ...HOG], { maxLifeMs: 30_000 });
    try {
      await sleep(s.settleMs ?? 300);
      const dead = await Promise.all(hogs.map((h) => h.exited(0)));
      const allowed = await Promise.all(hogs.map((h) => allowedOf(h.pid)));
      const control = await allowedOf(ctl.pid);
      const cpus = (await usageOver(g, s.windowMs ?? 1500)).cpu;
      const outside = n > 1 ? String(n - 1) : null;
      const ask = outside && !spec.cpus!.split(',').includes(outside) ? await g.exec(ledger, ['taskset', '-c', outside, 'true']) : null;
      const asked = ask ? await ask.exited(5000) : null;
      return { wrote, allowed, control, cpus, dead: dead.filter(Boolean).length, outside,
        askOutside: asked ? { exit: asked.exitCode, stderr: asked.stderr.trim() } : null };
    } finally {
      await Promise.all([...hogs, ctl].map((h) => h.stop(300)));
    }
  });
  const want = spec.cpus;
  const count = want.split(',').reduce((a: number, r: string) =>
    { const [x, y] = r.split('-').map(Number); return a + (y === undefined ? 1 : y - x! + 1); }, 0);
  return {
    summary: `${n} workers asking taskset for CPUs ${every} in a group with cpuset.cpus=${want}: `
      + `allowed ${[...new Set(value.allowed)].join(', ')}, together ${value.cpus.toFixed(2)} CPU; a sibling `
      + `without the set is allowed ${value.control}${value.askOutside ? `; asking for CPU ${value.outside} alone: `
      + `exit ${value.askOutside.exit} (${value.askOutside.stderr.split('\n')[0]})` : ''}`,
    evidence: { ...value, cpusetCpus: want, hostCpus: n },
    checks: [
      { ok: value.dead === 0, what: 'the workers run', expected: 'all running', actual: `${value.dead} exited` },
      { ok: value.allowed.every((a) => a === want), what: `each worker may run on ${want} only, whatever it asked`,
        expected: want, actual: value.allowed.join(' ') },
      { ok: value.control === every, what: `negative control: without the set a worker may run on ${every}`,
        expected: every, actual: value.control },
      { ok: value.cpus <= count + 0.05, what: `together they get at most ${count} CPU(s)`, expected: `≤ ${count}`,
        actual: value.cpus.toFixed(3) },
      ...(value.askOutside ? [{ ok: value.askOutside.exit !== 0,
        what: `asking for CPU ${value.outside} alone, outside the set, is refused`, expected: 'taskset fails (EINVAL)',
        actual: `exit ${value.askOutside.exit}` }] : []),
    ],
  };
}
