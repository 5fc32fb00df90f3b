// CPU measurement windows side by side, each alone on the CPUs it measures.
//
// A window takes a seat: one CPU (its workers pinned there by the scheduler — taskset,
// --cpuset-cpus) or every CPU (unpinned work, whole-host timings). Seats never share a CPU, and
// they are granted first come, first served: an every-CPU request waits for the seats before it
// to end, and holds back the ones after it. What the kernel may place on any CPU — a process
// spawned before its taskset took effect, the engine starting or removing a container — is
// `noisy`: it waits until no window of this process is open. The measured part is `quiet`: it
// opens only when no noisy work is in flight or waiting. Across isolab runs, the host's
// measuring lock (src/core/measuring-lock.ts) is held while any seat of this process is.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { otherLiveRuns } from './runs.js';
import { activeAlongside, otherRunsAtWork } from './activity.js';
import { holdMeasuringLock } from './measuring-lock.js';
import { flag } from './settings.js';

export interface Exclusive {
  /** how long this window waited for other runs: their windows, then their work */
  waitedMs: number;
  /** the ids of the runs it waited for */
  waitedFor: string[];
  /** other isolab runs alive during the window (measuring, or waiting for it to end) */
  sharedWith: string[];
  /** other runs' workers at work when the window ended: none, unless one outwaited its bound */
  otherRunsAtWork: string[];
  /** other suites of this run active at the window's start and end: none, or it is not measured */
  alongsideInRun: string[] | null;
  /** the CPUs this window had to itself */
  cpus: number[];
  /** this run's windows measured at the same time, each on CPUs of its own: "what (CPU n)" */
  beside: string[];
}

export interface Seat {
  /** the CPUs this window has to itself; `cpu` is the first */
  readonly cpus: number[];
  readonly cpu: number;
  /** Set-up and tear-down that may run on any CPU: waits until no window of this process is open. */
  noisy<T>(fn: () => Promise<T>): Promise<T>;
  /** The measured part: opens when no noisy work is in flight or waiting; none starts until it ends. */
  quiet<T>(fn: () => Promise<T>): Promise<T>;
}

/** One CPU (this one if it is free, else the lowest free one), or every CPU of this process. */
export type Want = { cpu?: number } | 'all';

/** The CPUs this process may run on (its affinity: a runner or a test may have narrowed it). */
export function allowedCpus(status = readStatus()): number[] {
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
  if (!list) return [...Array(Math.max(1, os.availableParallelism?.() ?? os.cpus().length)).keys()];
  return list.split(',').flatMap((r) => {
    const [a, b] = r.split('-').map(Number);
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
  });
}

/**
 * The CPUs windows take seats on: this process's, or only the first where CPUs do not run in
 * parallel (a guest under TCG: its vCPUs take turns on one emulator thread, so a window beside
 * another would share it). vitest.config.ts runs as many windows at once as there are seats.
 */
export function seatCpus(): number[] {
  const cpus = allowedCpus();
  return flag('vcpusSerial') ? cpus.slice(0, 1) : cpus;
}

function readStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}

// One scheduler per process: the state below is this process's seats and windows.
interface Request { want: Want; cpus?: number[] }
const queue: Request[] = [];
const held = new Map<number, string>();
const open = new Map<object, { label: string; beside: Set<string> }>();
let noisyRunning = 0;
let noisyWaiting = 0;
let wakers: Array<() => void> = [];
const changed = () => {
  const w = wakers;
  wakers = [];
  for (const f of w) f();
};
async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise<void>((r) => wakers.push(r));
}

/** The seat for `r` if it is its turn and its CPUs are free, else null (first come, first served). */
function grantable(r: Request, cpus: number[]): number[] | null {
  if (queue[0] !== r) return null;
  const free = cpus.filter((c) => !held.has(c));
  if (r.want === 'all') return free.length === cpus.length ? cpus : null;
  if (!free.length) return null;
  const asked = r.want.cpu;
  return [asked !== undefined && free.includes(asked) ? asked : free[0]!];
}

/**
 * Nor another run's work: its workers that started before the lock was taken finish first (new
 * ones wait for the lock: activity.ts startWork). Bounded by maxWaitMs, then it refuses to measure.
 */
async function waitForOtherRunsWork(what: string, already: string[], o: { maxWaitMs?: number; say?: (s: string) => void }) {
  const waitedFor = new Set(already);
  const t0 = Date.now();
  for (let busy = otherRunsAtWork({ checking: true }); busy.length; busy = otherRunsAtWork({ checking: true })) {
    for (const b of busy) {
      const id = b.split(' ')[1]!; // "run <id> <suite> (pid N)"
      if (!waitedFor.has(id))
        (o.say ?? ((x: string) => process.stderr.write(`${x}\n`)))(`isolab: ${what} waits for ${b} to finish its work`);
      waitedFor.add(id);
    }
    if (Date.now() - t0 > (o.maxWaitMs ?? 300_000))
      throw new Error(`${what}: waited ${Math.round((Date.now() - t0) / 1000)} s for ${busy.join(', ')} to `
      + `finish; not measuring beside another run's work`);
    await new Promise((res) => setTimeout(res, 100 + Math.random() * 100));
  }
  return { waitedFor, waitedMs: Date.now() - t0 };
}

/** A granted seat: its noisy set-up waits for every open window, its quiet part for no noisy work. */
function makeSeat(mineCpus: number[], cpu: number, mine: { label: string; beside: Set<string> }): Seat {
  const label = mine.label;
  return {
    cpus: mineCpus,
    cpu,
    async noisy(f) {
      noisyWaiting++;
      await until(() => open.size === 0);
      noisyWaiting--;
      noisyRunning++;
      try {
        return await f();
      } finally {
        noisyRunning--;
        changed();
      }
    },
    async quiet(f) {
      const key = {};
      await until(() => noisyRunning === 0 && noisyWaiting === 0);
      for (const other of open.values()) {
        other.beside.add(label);
        mine.beside.add(other.label);
      }
      open.set(key, mine);
      try {
        return await f();
      } finally {
        open.delete(key);
        changed();
      }
    },
  };
}

/**
 * Run `fn` (a CPU measurement) on a seat of its own, while no other isolab run measures.
 * Waits for the host at most `maxWaitMs`, saying whose run it waits for, then fails rather than
 * measure on a contended host; refuses to measure beside another active worker of this run.
 */
export async function measuringWindow<T>(what: string, want: Want, fn: (seat: Seat) => Promise<T>,
  o: { maxWaitMs?: number; say?: (s: string) => void; cpus?: number[] } = {}): Promise<{ value: T; exclusive: Exclusive }> {
  const cpus = o.cpus ?? seatCpus();
  const r: Request = { want };
  queue.push(r);
  await until(() => !!(r.cpus = grantable(r, cpus) ?? undefined));
  queue.shift();
  // Every CPU means every CPU the process may use, also where only one is a seat.
  const mineCpus = want === 'all' ? [...new Set([...r.cpus!, ...allowedCpus()])].sort((a, b) => a - b) : r.cpus!;
  const label = `${what} (CPU ${mineCpus.join(',')})`;
  for (const c of r.cpus!) held.set(c, label);
  changed();
  let lock: Awaited<ReturnType<typeof holdMeasuringLock>> | undefined;
  const mine = { label, beside: new Set<string>() };
  try {
    lock = await holdMeasuringLock(what, o);
    const { waitedFor, waitedMs: workMs } = await waitForOtherRunsWork(what, lock.waitedFor, o);
    const waitedMs = lock.waitedMs + workMs;
    // Nothing else of this run beside the windows: checked before and after.
    const before = activeAlongside();
    if (before?.length) throw new Error(`${what}: not measured — ${before.join(', ')} of this run is running beside `
      + `the window; measuring suites run alone (sequence.groupOrder in vitest.config.ts)`);
    const seat = makeSeat(mineCpus, r.cpus![0]!, mine);
    const value = await fn(seat);
    const after = activeAlongside();
    if (after?.length) throw new Error(`${what}: measured, but ${after.join(', ')} of this run started during the `
      + `window; the figures are not kept`);
    return {
      value,
      exclusive: {
        waitedMs,
        waitedFor: [...waitedFor],
        sharedWith: otherLiveRuns().map((x) => `${x.id} (pid ${x.pid})`),
        otherRunsAtWork: otherRunsAtWork(),
        alongsideInRun: before && after ? [] : null,
        cpus: mineCpus,
        beside: [...mine.beside],
      },
    };
  } finally {
    lock?.release();
    for (const c of r.cpus!) held.delete(c);
    changed();
  }
}

/** A window on every CPU: nothing else of this process measures meanwhile. */
export const exclusive = <T>(what: string, fn: () => Promise<T>, o: { maxWaitMs?: number; say?: (s: string) => void } = {}) =>
  measuringWindow(what, 'all', () => fn(), o);
