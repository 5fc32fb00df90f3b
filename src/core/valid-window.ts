// A measured window is a measurement only when the host let it be one. What the window records
// beside its figures: how long each measured worker was runnable (on a CPU or waiting for one,
// from /proc/<pid>/schedstat), the other load on its CPUs (from /proc/stat, less what the
// workers used), other isolab runs at work, and whether its clock kept time (late timer
// wake-ups: a machine stopped under the window, which a TCG guest sees no other way). A window
// that fails a criterion is measured again, at most ATTEMPTS times, every one kept in the
// evidence; a claim is judged on the first valid one. None valid: the claim is skipped as "host
// too busy", naming the load — never failed. A valid window is judged once: a fail is a fail.
import { readFile } from 'node:fs/promises';
import { otherRunsAtWork } from './activity.js';

export const ATTEMPTS = 3;
/** each worker runnable at least this part of the window (schedstat: on a CPU + waiting to run) */
export const RUNNABLE_AT_LEAST = 0.95;
/** pinned: the measured CPU busy at least this part of the window (the workers' + other load) */
export const BUSY_AT_LEAST = 0.95;

/** Busy time of one CPU, or of all of them (null), from /proc/stat. */
export async function cpuBusyNs(cpu: number | null): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n').find((l) => l.startsWith(`cpu${cpu ?? ''} `));
  if (!line) return 0;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return ((user + nice + system + irq + softirq + steal) * 1e9) / 100; // USER_HZ = 100
}

/** [on-CPU ns, waiting-to-run ns] of a process, or null (gone, or no schedstats). */
async function schedstat(pid: number): Promise<[number, number] | null> {
  const t = await readFile(`/proc/${pid}/schedstat`, 'utf8').catch(() => null);
  const [run, wait] = (t ?? '').trim().split(/\s+/).map(Number);
  return t && Number.isFinite(run) && Number.isFinite(wait) ? [run!, wait!] : null;
}

/** What a window saw beside its own figures. */
export interface Conditions {
  elapsedMs: number;
  /** per worker: the part of the window it was runnable; absent where schedstat is unreadable */
  runnable?: Record<string, number>;
  /** CPUs' worth of work on the window's CPUs that was not the workers' */
  other: number;
  /** the window's CPUs' busy part, workers' and other (pinned windows: one CPU) */
  busy: number;
  otherRunsAtWork: string[];
  /** timer wake-ups every CLOCK_TICK_MS over the window: how late they came (see clockProbe) */
  clock?: ClockKept;
}

/** How well the window's clock kept time, from wake-ups CLOCK_TICK_MS apart. */
export interface ClockKept {
  wakeups: number;
  /** the latest wake-up, ms past its time */
  worstLateMs: number;
  /** the window's time in wake-ups later than STALL_MS: the CPUs stopped while the clock ran */
  stalledMs: number;
}

export const CLOCK_TICK_MS = 20;
/** a wake-up this late: this process did not run for that long (on a stopped machine, nothing did) */
export const STALL_MS = 30;
/**
 * At most this part of a window in late wake-ups: a quiet emulated guest stays well under it, a
 * stopped one far over (figures: docs/measurements.md). A stall costs a quota only past its idle
 * part of a period (80 ms of 100 at 20%), so 5% of a window costs it at most 1 pp.
 */
export const STALLED_AT_MOST = 0.05;

/**
 * A guest whose host stops its vCPUs (TCG reports no steal time) keeps its clock running while
 * nothing in it runs: a quota's refill comes late and the window's figures lose that time. Timer
 * wake-ups that come late are what the guest can see of it.
 */
export function clockProbe(tickMs = CLOCK_TICK_MS, maxMs = 600_000): () => ClockKept {
  const start = performance.now();
  let last = start;
  const kept: ClockKept = { wakeups: 0, worstLateMs: 0, stalledMs: 0 };
  const tick = () => {
    const now = performance.now();
    const late = now - last - tickMs;
    kept.wakeups++;
    kept.worstLateMs = Math.max(kept.worstLateMs, late);
    if (late > STALL_MS) kept.stalledMs += late;
    last = now;
    // A window that threw before its end never stops the probe: it stops itself.
    if (now - start < maxMs) timer = setTimeout(tick, tickMs).unref();
  };
  let timer = setTimeout(tick, tickMs).unref();
  return () => {
    clearTimeout(timer);
    return { wakeups: kept.wakeups, worstLateMs: Math.round(kept.worstLateMs), stalledMs: Math.round(kept.stalledMs) };
  };
}

/**
 * Start watching a window over `workers` (name → pid) on `cpu` (null: every CPU). `stop` takes
 * the workers' CPU time over the window as the measurement counted it.
 */
export async function watchWindow(workers: Record<string, number>, cpu: number | null, cpuCount = 1) {
  const names = Object.keys(workers);
  const s0 = await Promise.all(names.map((n) => schedstat(workers[n]!)));
  const busy0 = await cpuBusyNs(cpu);
  const t0 = performance.now();
  const clock = clockProbe();
  return async (workersNs: number): Promise<Conditions> => {
    const kept = clock();
    const s1 = await Promise.all(names.map((n) => schedstat(workers[n]!)));
    const busyNs = (await cpuBusyNs(cpu)) - busy0;
    const elapsedNs = (performance.now() - t0) * 1e6;
    const readable = s0.every(Boolean) && s1.every(Boolean);
    const runnable = readable
      ? Object.fromEntries(names.map((n, i) => [n, round((s1[i]![0] - s0[i]![0] + s1[i]![1] - s0[i]![1]) / elapsedNs)]))
      : undefined;
    return {
      elapsedMs: Math.round(elapsedNs / 1e6),
      ...(runnable ? { runnable } : {}),
      other: round(Math.max(0, busyNs - workersNs) / elapsedNs),
      busy: round(busyNs / elapsedNs / (cpu === null ? cpuCount : 1)),
      otherRunsAtWork: otherRunsAtWork(),
      clock: kept,
    };
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export interface Criteria {
  /** most CPUs' worth of other load on the window's CPUs */
  otherAtMost: number;
  /** pinned hogs keep their CPU busy: idle time means a worker was not running */
  busyAtLeast?: number;
}

/** Why a window is no measurement: [] when it is one. */
export function invalidBecause(c: Conditions, k: Criteria): string[] {
  const why: string[] = [];
  for (const [w, part] of Object.entries(c.runnable ?? {})) {
    if (part < RUNNABLE_AT_LEAST)
      why.push(`${w}'s worker was runnable ${pc(part)} of the window (< ${pc(RUNNABLE_AT_LEAST)}): it was not competing all of it`);
  }
  if (c.other > k.otherAtMost) why.push(`other load ${c.other.toFixed(2)} CPU on the window's CPUs (> ${+k.otherAtMost.toFixed(2)})`);
  if (k.busyAtLeast !== undefined && c.busy < k.busyAtLeast)
    why.push(`its CPU was idle ${pc(1 - c.busy)} of the window while the workers should have kept it busy`);
  if (c.clock && c.clock.stalledMs > STALLED_AT_MOST * c.elapsedMs)
    why.push(`its clock ran on while nothing ran: ${c.clock.stalledMs} ms of the ${c.elapsedMs} ms window went in `
      + `wake-ups over ${STALL_MS} ms late (worst ${c.clock.worstLateMs} ms; at most ${pc(STALLED_AT_MOST)}) — the `
      + 'machine\'s CPUs were stopped, as a host stops a TCG guest\'s vCPUs (which report no steal time)');
  if (c.otherRunsAtWork.length) why.push(`another isolab run was at work during it: ${c.otherRunsAtWork.join(', ')}`);
  return why;
}

const pc = (x: number) => `${(x * 100).toFixed(0)}%`;

/** The host let no window be a measurement: the claim is skipped, naming the load. */
export class HostTooBusy extends Error {
  override name = 'HostTooBusy';
  constructor(readonly what: string, readonly windows: Array<{ invalid: string[] }>) {
    super(`host too busy: ${windows.length} window(s) of ${what}, none a measurement `
      + `— ${[...new Set(windows.flatMap((w) => w.invalid))].join('; ')}`);
  }
}

export const isHostTooBusy = (e: unknown): e is HostTooBusy => (e as Error | null)?.name === 'HostTooBusy';

/**
 * Measure until a window is valid, at most ATTEMPTS times. `measure` returns its figures and why
 * the window is invalid ([] when valid); every attempt is kept. Between attempts a short pause
 * lets a neighbour's burst pass.
 */
export async function validWindow<T>(what: string,
  measure: (attempt: number) => Promise<{ value: T; invalid: string[] }>,
  o: { attempts?: number; pauseMs?: number } = {}): Promise<{ value: T; windows: Array<{ invalid: string[]; value: T }> }> {
  const windows: Array<{ invalid: string[]; value: T }> = [];
  for (let n = 1; n <= (o.attempts ?? ATTEMPTS); n++) {
    const w = await measure(n);
    windows.push(w);
    if (!w.invalid.length) return { value: w.value, windows };
    await new Promise((r) => setTimeout(r, o.pauseMs ?? 1000));
  }
  throw new HostTooBusy(what, windows);
}
