// The host-wide run registry: every isolab run announces itself (id, pid, start, what it does)
// in one well-known folder and removes its entry when done. Another run's leak check reads it
// to tell that run's resources from leaks; `isolab clean` reads it to spare live runs. A run
// whose pid is gone (or reused) is dead: its leftovers are what `isolab clean` removes.
import { mkdirSync, writeFileSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runId } from './names.js';
import { setting } from './settings.js';

/** Read when used, not at import: a test points it elsewhere. */
export const runsDir = () =>
  setting('runsDir') ?? (process.getuid?.() === 0 ? '/run/isolab' : `/tmp/.isolab-runs-${process.getuid?.() ?? 'user'}`);
const entries = () => path.join(runsDir(), 'runs');
/** Where a run's workers mark what they run (src/core/activity.ts). */
export const activeDir = (id = runId()) => path.join(runsDir(), 'active', id);

export interface RunEntry {
  id: string;
  pid: number;
  /** the process's start time in clock ticks since boot (/proc/<pid>/stat field 22): guards against pid reuse */
  start: string;
  startedAt: string;
  argv: string[];
}

export function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export const alive = (e: Pick<RunEntry, 'pid' | 'start'>) => procStart(e.pid) === e.start;

/** Announce this run (idempotent); the entry goes when the process exits, however it exits short of SIGKILL. */
export function registerRun(id = runId(), pid = process.pid): RunEntry {
  const e: RunEntry = { id, pid, start: procStart(pid) ?? '', startedAt: new Date().toISOString(), argv: process.argv.slice(1) };
  // A process started inside a live run with its id (a test's `isolab provision` under `npx
  // vitest`) is part of that run: its entry stays the run's, and its exit does not end the run.
  const owner = readEntry(id);
  if (owner && owner.pid !== pid && alive(owner)) return owner;
  try {
    mkdirSync(entries(), { recursive: true });
    writeFileSync(path.join(entries(), `${id}.json`), JSON.stringify(e));
    process.once('exit', () => unregisterRun(id));
  } catch {
    /* a read-only /run: runs are then not attributed, and say so through their leak check */
  }
  return e;
}

/** Whether this process is the run's own (not one started inside it with its id): what ends the run's. */
export function ownsRun(id = runId()): boolean {
  const e = readEntry(id);
  return !e || e.pid === process.pid || !alive(e);
}

function readEntry(id: string): RunEntry | null {
  try {
    return JSON.parse(readFileSync(path.join(entries(), `${id}.json`), 'utf8')) as RunEntry;
  } catch {
    return null;
  }
}

export function unregisterRun(id = runId()): void {
  rmSync(path.join(entries(), `${id}.json`), { force: true });
  rmSync(activeDir(id), { recursive: true, force: true });
}

export function allRuns(): Array<RunEntry & { live: boolean }> {
  let names: string[] = [];
  try {
    names = readdirSync(entries()).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: Array<RunEntry & { live: boolean }> = [];
  for (const n of names) {
    try {
      const e = JSON.parse(readFileSync(path.join(entries(), n), 'utf8')) as RunEntry;
      out.push({ ...e, live: alive(e) });
    } catch {
      /* half-written: skip */
    }
  }
  return out;
}

/** Other runs alive now (not this one). */
export const otherLiveRuns = (id = runId()) => allRuns().filter((r) => r.live && r.id !== id);
