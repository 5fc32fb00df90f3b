// Measuring a CPU split: busy workers in sibling groups, usage read from the groups' own
// counters over a window after a settle, compared with the expected shares ± a tolerance.
import { readFile } from 'node:fs/promises';
import type { Ledger } from '../core/ledger.js';
import type { CgroupDriver, Group } from './driver.js';
import type { Background } from '../core/exec.js';
import { measuringWindow, type Exclusive, type Seat } from '../core/windows.js';
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
  /**
   * Pin every worker to one CPU (taskset -c N), or null for unpinned (every CPU). Windows
   * measure side by side, each on a CPU of its own: when N is another window's, the workers
   * go to a free CPU, and `pinnedTo` says which.
   */
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
  /** the CPU the scenario named, where the window measured on another (it was another window's) */
  askedCpu?: number;
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
  /** the window had its CPUs to itself: which, the windows beside it, the other runs live */
  host: Exclusive;
}

/** Busy time of one CPU, or of all of them (null), from /proc/stat. */
export async function cpuBusyNs(cpu: number | null): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n').find((l) => l.startsWith(`cpu${cpu ?? ''} `));
  if (!line) return 0;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return ((user + nice + system + irq + softirq + steal) * 1e9) / 100; // USER_HZ = 100
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let windowsMade = 0;
/** Names for one window's groups: windows side by side must not share one ("red" in two). */
export function windowGroups(): (name: string) => string {
  const tag = `w${++windowsMade}`;
  return (name) => `${tag}-${name}`;
}

/** Groups, hogs and the window, on a seat of its own (src/core/windows.ts). */
export async function measureSplit(ledger: Ledger, driver: CgroupDriver, s: SplitScenario): Promise<SplitMeasurement> {
  const want = s.pinCpu === null ? 'all' : { cpu: s.pinCpu };
  const { value, exclusive: host } = await measuringWindow(`the split "${s.name}"`, want, (seat) => measureOnce(ledger, driver, s, seat));
  return { ...value, host };
}

async function measureOnce(ledger: Ledger, driver: CgroupDriver, s: SplitScenario, seat: Seat): Promise<Omit<SplitMeasurement, 'host'>> {
  const pin = s.pinCpu === null ? null : seat.cpu;
  const named = windowGroups();
  const all: Array<[SplitGroup, Group]> = [];
  const written: SplitMeasurement['written'] = {};
  for (const g of s.groups) {
    const grp = await driver.create(ledger, named(g.name), ['cpu']);
    written[g.name] = [];
    if (g.weight !== undefined) written[g.name]!.push(await grp.setWeight(g.weight));
    if (g.quota !== undefined) written[g.name]!.push(await grp.setCpuQuota(Math.round(g.quota * 100_000), 100_000));
    all.push([g, grp]);
  }
  // A group with children holds no process (v2's "no internal tasks"): the leaves do the work.
  const groups = all.filter(([g]) => !s.groups.some((o) => o.name.startsWith(`${g.name}/`)));
  const argv = pin === null ? s.workload : ['taskset', '-c', String(pin), ...s.workload];
  const workers: Background[] = [];
  // Spawning runs where the kernel puts it until taskset has pinned the worker: noisy.
  await seat.noisy(async () => {
    for (const [, grp] of groups) workers.push(await grp.exec(ledger, argv, { maxLifeMs: s.settleMs + s.windowMs + 60_000 }));
  });
  try {
    await sleep(s.settleMs);
    for (const w of workers) {
      const dead = await w.exited(0);
      if (dead) throw new Error(`worker \`${w.command}\` exited early (${dead.exitCode ?? dead.signal}): ${dead.stderr.trim()}`);
    }
    const read = () => Promise.all(groups.map(([, g]) => g.cpuUsageNs()));
    // The other load where the workers ran: a window has its CPU to itself within this run, but
    // anything else on the host (another run's builds, a test run beside) shows here.
    const { cpu0, cpu1, u0, u1, elapsedNs } = await seat.quiet(async () => {
      const cpu0 = await cpuBusyNs(pin);
      const t0 = performance.now();
      const u0 = await read();
      await sleep(s.windowMs);
      const u1 = await read();
      const elapsedNs = (performance.now() - t0) * 1e6;
      return { cpu0, cpu1: await cpuBusyNs(pin), u0, u1, elapsedNs };
    });
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
      pinnedTo: pin,
      ...(pin !== s.pinCpu && s.pinCpu !== null ? { askedCpu: s.pinCpu } : {}),
      shares,
      cpus,
      totalCpus: total / elapsedNs,
      ...(pin === null ? { otherOnHost: Math.max(0, (cpu1 - cpu0 - total) / elapsedNs) } : { otherOnCpu: Math.max(0, (cpu1 - cpu0 - total) / elapsedNs) }),
      written,
    };
  } finally {
    // Hogs die by pid now, not at the end of the claim: a stray hog would skew the next one.
    await seat.noisy(() => Promise.all(workers.map((w) => w.stop(500))));
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
