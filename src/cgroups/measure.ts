// Measuring a CPU split: busy workers in sibling groups, usage read from the groups' own
// counters over a window after a settle, compared with the expected shares ± a tolerance.
import type { Ledger } from '../core/ledger.js';
import type { CgroupDriver, Group } from './driver.js';
import type { Background } from '../core/exec.js';
import { measuringWindow, type Exclusive, type Seat } from '../core/windows.js';
import { cpuBusyNs, invalidBecause, validWindow, watchWindow, BUSY_AT_LEAST, type Conditions } from '../core/valid-window.js';
import type { SlideAnswer } from '../types/results.js';
import { setTimeout as sleep } from 'node:timers/promises';

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
  /**
   * Unpinned, each hog is to take at least this part of the CPU free to the hogs together. Their
   * sum tells "each on a CPU of its own" from "both on one" (at most one CPU) only while more
   * than 1/minCpuEach CPUs are free: other load beyond that makes the window no measurement.
   */
  minCpuEach?: number;
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
  /** the window's conditions: runnable workers, other load, other runs (src/core/valid-window.ts) */
  conditions: Conditions;
  /** groups with a quota: periods elapsed and those it hit the quota in, over the window */
  throttling?: Record<string, { periods: number; throttled: number }>;
  written: Record<string, Array<{ file: string; value: string }>>;
  /** the window had its CPUs to itself: which, the windows beside it, the other runs live */
  host: Exclusive;
  /** every window measured for this verdict (the last is the one judged), and why others were not */
  windows: Array<{ attempt: number; invalid: string[]; figures: string }>;
}

export { cpuBusyNs };

let windowsMade = 0;
/** Names for one window's groups: windows side by side must not share one ("red" in two). */
export function windowGroups(): (name: string) => string {
  const tag = `w${++windowsMade}`;
  return (name) => `${tag}-${name}`;
}

/** Other load a split window absorbs: ≤ 0.5 CPU on its CPU (0.5 per CPU unpinned); see docs/measurements.md. */
export const OTHER_AT_MOST_PER_CPU = 0.5;
/** A capped group hit its quota in at least this part of the window's periods: the cap held it, not the neighbours. */
export const THROTTLED_AT_LEAST = 0.9;

/** What must stay free beyond 1/minCpuEach CPUs for "own CPU each" to be told from "one CPU for both". */
export const FREE_MARGIN = 0.15;

/** Why a split window is no measurement ([] when it is one). */
export function splitInvalid(m: Omit<SplitMeasurement, 'windows'>, minCpuEach?: number): string[] {
  const capped = Object.keys(m.throttling ?? {});
  const cpus = m.host.cpus.length;
  const discriminates = m.pinnedTo === null && minCpuEach ? cpus - 1 / minCpuEach - FREE_MARGIN : Infinity;
  const why = invalidBecause(m.conditions, {
    otherAtMost: Math.min(OTHER_AT_MOST_PER_CPU * (m.pinnedTo === null ? cpus : 1), discriminates),
    // Hogs pinned to one CPU keep it busy, unless a quota idles it on purpose.
    ...(m.pinnedTo !== null && !capped.length ? { busyAtLeast: BUSY_AT_LEAST } : {}),
  });
  for (const [g, t] of Object.entries(m.throttling ?? {})) {
    if (t.periods && t.throttled / t.periods < THROTTLED_AT_LEAST)
      why.push(`${g} hit its quota in ${t.throttled} of ${t.periods} periods (< ${THROTTLED_AT_LEAST * 100}%): `
      + `other work, not the cap, held it back`);
  }
  return why;
}

/**
 * Groups, hogs and the window, on a seat of its own (src/core/windows.ts) — measured again while
 * the window is no measurement (src/core/valid-window.ts), each attempt on a seat taken anew.
 */
export async function measureSplit(ledger: Ledger, driver: CgroupDriver, s: SplitScenario): Promise<SplitMeasurement> {
  const want = s.pinCpu === null ? 'all' : { cpu: s.pinCpu };
  const what = `the split "${s.name}"`;
  const { value, windows } = await validWindow(what, async () => {
    const { value: m, exclusive: host } = await measuringWindow(what, want, (seat) => measureOnce(ledger, driver, s, seat));
    const full = { ...m, host };
    return { value: full, invalid: splitInvalid(full, s.minCpuEach) };
  });
  return { ...value, windows: windows.map((w, i) => ({ attempt: i + 1, invalid: w.invalid, figures: figures(w.value) })) };
}

const figures = (m: Omit<SplitMeasurement, 'windows'>) =>
  `${Object.entries(m.shares).map(([k, v]) => `${k} ${pct(v)} (${m.cpus[k]!.toFixed(2)} CPU)`).join(' '
    + '/ ')}; other load ${m.conditions.other.toFixed(2)} CPU`;

async function measureOnce(ledger: Ledger, driver: CgroupDriver, s: SplitScenario,
  seat: Seat): Promise<Omit<SplitMeasurement, 'host' | 'windows'>> {
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
  const capped = groups.filter(([g]) => g.quota !== undefined);
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
    const throttling = () => Promise.all(capped.map(([, g]) => g.cpuThrottling()));
    const pids = Object.fromEntries(groups.map(([g], i) => [g.name, workers[i]!.pid]));
    // The other load where the workers ran: a window has its CPU to itself within this run, but
    // anything else on the host (another run's builds, a test run beside) shows here.
    const { u0, u1, t0, t1, conditions } = await seat.quiet(async () => {
      const [t0, u0] = [await throttling(), await read()];
      const watched = await watchWindow(pids, pin, seat.cpus.length);
      await sleep(s.windowMs);
      const [u1, t1] = [await read(), await throttling()];
      return { u0, u1, t0, t1, conditions: await watched(u1.reduce((a, u, i) => a + u - u0[i]!, 0)) };
    });
    const elapsedNs = conditions.elapsedMs * 1e6;
    const deltas = u1.map((u, i) => u - u0[i]!);
    const total = deltas.reduce((a, b) => a + b, 0);
    const shares: Record<string, number> = {};
    const cpus: Record<string, number> = {};
    groups.forEach(([g], i) => {
      shares[g.name] = total > 0 ? deltas[i]! / total : 0;
      cpus[g.name] = deltas[i]! / elapsedNs;
    });
    return {
      windowMs: conditions.elapsedMs,
      settleMs: s.settleMs,
      pinnedTo: pin,
      ...(pin !== s.pinCpu && s.pinCpu !== null ? { askedCpu: s.pinCpu } : {}),
      shares,
      cpus,
      totalCpus: total / elapsedNs,
      ...(pin === null ? { otherOnHost: conditions.other } : { otherOnCpu: conditions.other }),
      conditions,
      ...(capped.length ? { throttling: Object.fromEntries(capped.map(([g], i) =>
        [g.name, { periods: t1[i]!.periods - t0[i]!.periods, throttled: t1[i]!.throttled - t0[i]!.throttled }])) } : {}),
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
export function slideSplit(says: string, slide: Record<string, number>, measured: Record<string, number>,
  tolerancePp: number, why?: string): SlideAnswer {
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

/** CPUs' worth a group got over a window, and the window's conditions (its worker, other load). */
export async function usageOver(g: { cpuUsageNs(): Promise<number> }, ms: number, watch?: { pid: number; cpu: number | null; cpus: number }) {
  const u0 = await g.cpuUsageNs();
  const watched = watch ? await watchWindow({ hog: watch.pid }, watch.cpu, watch.cpus) : null;
  const t0 = performance.now();
  await sleep(ms);
  const used = (await g.cpuUsageNs()) - u0;
  const cpu = used / ((performance.now() - t0) * 1e6);
  return { cpu, conditions: watched ? await watched(used) : null };
}
