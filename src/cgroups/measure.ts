// Measuring a CPU split: busy workers in sibling groups, usage read from the groups' own
// counters over a window after a settle, compared with the expected shares ± a tolerance.
import { readFile } from 'node:fs/promises';
import type { Ledger } from '../core/ledger.js';
import type { CgroupDriver, Group } from './driver.js';
import { exclusive, type Exclusive } from '../core/runs.js';
import type { SlideAnswer } from '../results/schema.js';

export interface SplitGroup {
  /** 'a/a1' nests a1 in a (a listed first); workers run in the leaves only */
  name: string;
  weight?: number;
  /** cpu.max as a fraction of one CPU, e.g. 0.2 */
  quota?: number;
}

export interface SplitScenario {
  name: string;
  groups: SplitGroup[];
  /** The CPU every worker is pinned to (taskset -c N), or null for unpinned. */
  pinCpu: number | null;
  settleMs: number;
  windowMs: number;
  /** The lecture's hog. */
  workload: string[];
}

export interface SplitMeasurement {
  windowMs: number;
  settleMs: number;
  pinnedTo: number | null;
  /** share of the workers' total CPU time, per group */
  shares: Record<string, number>;
  /** CPUs' worth each group got over the window (1.0 = one full CPU) */
  cpus: Record<string, number>;
  totalCpus: number;
  /** busy time on the pinned CPU not accounted to our groups (other load), as a fraction */
  otherOnCpu?: number;
  /** unpinned: busy time on all CPUs not accounted to our groups, in CPUs (the host's other load) */
  otherOnHost?: number;
  written: Record<string, Array<{ file: string; value: string }>>;
  /** the window was exclusive among isolab runs: how long it waited, who else was live */
  host: Exclusive;
}

/** Busy time of one CPU, or of all of them (null), from /proc/stat. */
async function cpuBusyNs(cpu: number | null): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n').find((l) => l.startsWith(`cpu${cpu ?? ''} `));
  if (!line) return 0;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return ((user + nice + system + irq + softirq + steal) * 1e9) / 100; // USER_HZ = 100
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Groups, hogs and the window, while no other isolab run measures (src/core/runs.ts). */
export async function measureSplit(ledger: Ledger, driver: CgroupDriver, s: SplitScenario): Promise<SplitMeasurement> {
  const { value, exclusive: host } = await exclusive(`the split "${s.name}"`, () => measureOnce(ledger, driver, s));
  return { ...value, host };
}

async function measureOnce(ledger: Ledger, driver: CgroupDriver, s: SplitScenario): Promise<Omit<SplitMeasurement, 'host'>> {
  const all: Array<[SplitGroup, Group]> = [];
  const written: SplitMeasurement['written'] = {};
  for (const g of s.groups) {
    const grp = await driver.create(ledger, g.name, ['cpu']);
    written[g.name] = [];
    if (g.weight !== undefined) written[g.name]!.push(await grp.setWeight(g.weight));
    if (g.quota !== undefined) written[g.name]!.push(await grp.setCpuQuota(Math.round(g.quota * 100_000), 100_000));
    all.push([g, grp]);
  }
  // A group with children holds no process (v2's "no internal tasks"): the leaves do the work.
  const groups = all.filter(([g]) => !s.groups.some((o) => o.name.startsWith(`${g.name}/`)));
  const argv = s.pinCpu === null ? s.workload : ['taskset', '-c', String(s.pinCpu), ...s.workload];
  const workers = [];
  for (const [, grp] of groups) workers.push(await grp.exec(ledger, argv, { maxLifeMs: s.settleMs + s.windowMs + 30_000 }));
  try {
    await sleep(s.settleMs);
    for (const w of workers) {
      const dead = await w.exited(0);
      if (dead) throw new Error(`worker \`${w.command}\` exited early (${dead.exitCode ?? dead.signal}): ${dead.stderr.trim()}`);
    }
    const read = () => Promise.all(groups.map(([, g]) => g.cpuUsageNs()));
    // The other load where the workers ran: a window is exclusive among isolab runs, but anything
    // else on the host (a build, a test run beside) shows here, so a failing split says so.
    const cpu0 = await cpuBusyNs(s.pinCpu);
    const t0 = performance.now();
    const u0 = await read();
    await sleep(s.windowMs);
    const u1 = await read();
    const elapsedNs = (performance.now() - t0) * 1e6;
    const cpu1 = await cpuBusyNs(s.pinCpu);
    const deltas = u1.map((u, i) => u - u0[i]!);
    const total = deltas.reduce((a, b) => a + b, 0);
    const shares: Record<string, number> = {};
    const cpus: Record<string, number> = {};
    groups.forEach(([g], i) => {
      shares[g.name] = total > 0 ? deltas[i]! / total : 0;
      cpus[g.name] = deltas[i]! / elapsedNs;
    });
    return {
      windowMs: Math.round(elapsedNs / 1e6),
      settleMs: s.settleMs,
      pinnedTo: s.pinCpu,
      shares,
      cpus,
      totalCpus: total / elapsedNs,
      ...(s.pinCpu === null ? { otherOnHost: Math.max(0, (cpu1 - cpu0 - total) / elapsedNs) } : { otherOnCpu: Math.max(0, (cpu1 - cpu0 - total) / elapsedNs) }),
      written,
    };
  } finally {
    // Hogs die by pid now, not at the end of the claim: a stray hog would skew the next one.
    await Promise.all(workers.map((w) => w.stop(500)));
  }
}

/**
 * The slide's own split beside a measured one: holds when every share is within the tolerance
 * of what the slide says. `why` explains a departure (say, what the engine wrote).
 */
export function slideSplit(says: string, slide: Record<string, number>, measured: Record<string, number>, tolerancePp: number, why?: string): SlideAnswer {
  const fmt = (o: Record<string, number>) => Object.values(o).map((v) => (v * 100).toFixed(1)).join('/');
  const holds = Object.entries(slide).every(([k, v]) => Math.abs((measured[k] ?? 0) - v) * 100 <= tolerancePp);
  return { says, expected: `${fmt(slide)} ±${tolerancePp} pp`, measured: fmt(measured), holds, ...(holds || !why ? {} : { why }) };
}

/** Checks of measured shares against expected ones, ± tolerance in percentage points. */
export function shareChecks(measured: Record<string, number>, expected: Record<string, number>, tolerancePp: number) {
  return Object.entries(expected).map(([name, want]) => {
    const got = measured[name] ?? 0;
    const errPp = (got - want) * 100;
    return {
      ok: Math.abs(errPp) <= tolerancePp,
      what: `${name} gets ${(want * 100).toFixed(1)}% ±${tolerancePp} pp`,
      expected: `${(want * 100).toFixed(1)}%`,
      actual: `${(got * 100).toFixed(1)}% (error ${errPp >= 0 ? '+' : ''}${errPp.toFixed(2)} pp)`,
    };
  });
}

export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
