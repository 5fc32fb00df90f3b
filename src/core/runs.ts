// The host-wide run registry: every isolab run announces itself (id, pid, start, what it does)
// in one well-known folder and removes its entry when done. Another run's leak check reads it
// to tell that run's resources from leaks; `isolab clean` reads it to spare live runs. A run
// whose pid is gone (or reused) is dead: its leftovers are what `isolab clean` removes.
//
// Measuring a CPU window is exclusive across runs: a lock folder made atomically with mkdir,
// its owner recorded inside, taken with a bounded wait that says whose run it waits for.
import { mkdirSync, writeFileSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runId } from './names.js';

export const RUNS_DIR = process.env.ISOLAB_RUNS_DIR ?? (process.getuid?.() === 0 ? '/run/isolab' : `/tmp/.isolab-runs-${process.getuid?.() ?? 'user'}`);
const entries = () => path.join(RUNS_DIR, 'runs');
const LOCK = () => path.join(RUNS_DIR, 'measure.lock');

export interface RunEntry {
  id: string;
  pid: number;
  /** the process's start time in clock ticks since boot (/proc/<pid>/stat field 22): guards against pid reuse */
  start: string;
  startedAt: string;
  argv: string[];
}

function procStart(pid: number): string | null {
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
  try {
    mkdirSync(entries(), { recursive: true });
    writeFileSync(path.join(entries(), `${id}.json`), JSON.stringify(e));
    process.once('exit', () => unregisterRun(id));
  } catch {
    /* a read-only /run: runs are then not attributed, and say so through their leak check */
  }
  return e;
}

export function unregisterRun(id = runId()): void {
  rmSync(path.join(entries(), `${id}.json`), { force: true });
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

export interface Exclusive {
  /** how long this run waited for another's window */
  waitedMs: number;
  waitedFor: string[];
  /** other isolab runs alive during the window (they may do non-measuring work meanwhile) */
  sharedWith: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Run `fn` (a CPU measurement window) while no other run measures. Waits at most `maxWaitMs`,
 * saying whose run it waits for, then fails rather than measure on a contended host.
 */
export async function exclusive<T>(what: string, fn: () => Promise<T>, o: { maxWaitMs?: number; say?: (s: string) => void } = {}): Promise<{ value: T; exclusive: Exclusive }> {
  const t0 = Date.now();
  const waitedFor = new Set<string>();
  const me = { id: runId(), pid: process.pid, start: procStart(process.pid) ?? '', what };
  await mkdir(RUNS_DIR, { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK());
      await writeFile(path.join(LOCK(), 'owner.json'), JSON.stringify(me));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = await readFile(path.join(LOCK(), 'owner.json'), 'utf8').then((t) => JSON.parse(t) as typeof me, () => null);
      if (owner && !alive(owner)) {
        await rm(LOCK(), { recursive: true, force: true }); // its run died mid-window
        continue;
      }
      if (owner && !waitedFor.has(owner.id)) {
        waitedFor.add(owner.id);
        (o.say ?? ((s: string) => process.stderr.write(`${s}\n`)))(`isolab: ${what} waits for run ${owner.id} (pid ${owner.pid}), which is measuring ${owner.what}`);
      }
      if (Date.now() - t0 > (o.maxWaitMs ?? 300_000)) throw new Error(`${what}: waited ${Math.round((Date.now() - t0) / 1000)} s for run ${owner?.id ?? '?'} (pid ${owner?.pid ?? '?'}) to finish measuring ${owner?.what ?? ''}; not measuring on a contended host`);
      await sleep(100 + Math.random() * 100);
    }
  }
  const waitedMs = Date.now() - t0;
  try {
    const value = await fn();
    return { value, exclusive: { waitedMs, waitedFor: [...waitedFor], sharedWith: otherLiveRuns().map((r) => `${r.id} (pid ${r.pid})`) } };
  } finally {
    await rm(LOCK(), { recursive: true, force: true });
  }
}
