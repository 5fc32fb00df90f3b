// The host-wide run registry: every isolab run announces itself (id, pid, start, what it does)
// in one well-known folder and removes its entry when done. Another run's leak check reads it
// to tell that run's resources from leaks; `isolab clean` reads it to spare live runs. A run
// whose pid is gone (or reused) is dead: its leftovers are what `isolab clean` removes.
//
// Measuring a CPU window is exclusive across runs: a lock folder made atomically with mkdir,
// its owner recorded inside, taken with a bounded wait that says whose run it waits for.
import { mkdirSync, writeFileSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runId } from './names.js';
import { setting } from './settings.js';

/** Read when used, not at import: a test points it elsewhere. */
export const runsDir = () =>
  setting('runsDir') ?? (process.getuid?.() === 0 ? '/run/isolab' : `/tmp/.isolab-runs-${process.getuid?.() ?? 'user'}`);
const entries = () => path.join(runsDir(), 'runs');
const LOCK = () => path.join(runsDir(), 'measure.lock');

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

// Within one run, suites run side by side (vitest.config.ts: sequence.groupOrder) except the
// measuring ones. Each worker marks the suite it runs until it exits, so a window can verify
// that nothing else of its own run was active, rather than trust the config.
const activeDir = (id = runId()) => path.join(runsDir(), 'active', id);
let marked: string | null = null;

/** This worker runs `suite` for this run, until it exits or `markIdle()`. */
export function markActive(suite: string): void {
  const file = path.join(activeDir(), `${suite}.${process.pid}`);
  if (marked === file) return;
  try {
    mkdirSync(activeDir(), { recursive: true });
    writeFileSync(file, procStart(process.pid) ?? '');
    if (!marked) process.once('exit', markIdle);
    marked = file;
  } catch {
    /* a read-only /run: the window's evidence then says the check could not be made */
  }
}

// Another run's CPU windows are alone on their CPUs against this run's work too. The suites whose
// workers only measure (their windows take the host's lock) or only start runs of their own
// (which announce themselves) are not work beside a window.
const MEASURING_SUITES = new Set(['cgroups', 'unit-measuring']);

/**
 * Before a worker of a suite that does not measure starts its file: announce it, then look for
 * another run's window. While one is measuring, step back and wait (bounded), so that a window
 * never has another run's builds, containers or namespaces beside it; the window itself waits
 * for the workers that announced first (`otherRunsAtWork`).
 */
export async function startWork(suite: string, o: { maxWaitMs?: number; say?: (s: string) => void } = {}): Promise<void> {
  if (MEASURING_SUITES.has(suite)) return markActive(suite);
  const t0 = Date.now();
  let said = false;
  for (;;) {
    markActive(suite);
    const owner = await readFile(path.join(LOCK(), 'owner.json'), 'utf8').then(parseOwner, () => null);
    // A lock with no owner yet is being taken (mkdir, then the owner file): a window is about to
    // open, so this is no time to start — unless its taker died in between (10 s, as takeLock).
    const since = owner ? null : await stat(LOCK()).then((x) => x.mtimeMs, () => null);
    const taking = since !== null && Date.now() - since < 10_000;
    if (!taking && (!owner || owner.id === runId() || !alive(owner) || ancestors().has(owner.pid))) return;
    markIdle();
    if (!said) (o.say ?? ((x: string) => process.stderr.write(`${x}\n`)))(owner
      ? `isolab: ${suite} waits for run ${owner.id} (pid ${owner.pid}), which is measuring ${owner.what}`
      : `isolab: ${suite} waits for a run that is taking the measuring lock`);
    said = true;
    // Bounded below vitest's hook timeout: past it the work starts, and the window says so.
    if (Date.now() - t0 > (o.maxWaitMs ?? 45_000)) return markActive(suite);
    await sleep(100 + Math.random() * 100);
  }
}

/** This process and the ones that started it: a run started by a test waits for it, not against it. */
function ancestors(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 1 && !out.has(pid);) {
    out.add(pid);
    try {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return out;
}

/** Other live runs' workers at work now (not measuring, not a run that started this one): "run <id> <suite> (pid N)". */
export function otherRunsAtWork(): string[] {
  const mine = ancestors();
  const out: string[] = [];
  for (const r of otherLiveRuns()) {
    if (mine.has(r.pid)) continue;
    for (const w of activeAlongside(r.id) ?? []) {
      const m = /^(.*) \(pid (\d+)\)$/.exec(w);
      if (m && !MEASURING_SUITES.has(m[1]!) && !mine.has(Number(m[2]))) out.push(`run ${r.id} ${w}`);
    }
  }
  return out;
}

export function markIdle(): void {
  if (marked) rmSync(marked, { force: true });
  marked = null;
}

/** A turn's holder, from its "<pid> <start> <what>" line: dead when its process is gone. */
async function holder(file: string): Promise<{ pid: string; dead: boolean; said: string }> {
  const [pid = '', start = '', ...what] = (await readFile(file, 'utf8').catch(() => '')).split(' ');
  return { pid, dead: !!pid && !alive({ pid: Number(pid), start }), said: `pid ${pid || '?'} (${what.join(' ')})` };
}

interface CacheTurn {
  what: string;
  t0: number;
  maxWaitMs: number;
  lock: string;
  builds: string;
  owner: string;
}

/** A turn waited for longer than its bound: named, with whose turn it was. */
function tooLong(t: CacheTurn, whom: string): void {
  if (Date.now() - t.t0 > t.maxWaitMs)
    throw new Error(`${t.what}: waited ${Math.round((Date.now() - t.t0) / 1000)} s for ${whom} to finish with the engine's build cache`);
}

/** The remover holding the cache, or null (a dead one's turn is taken away). */
async function remover(lock: string): Promise<string | null> {
  const h = await holder(path.join(lock, 'owner'));
  const since = await stat(lock).then((x) => x.mtimeMs, () => null);
  if (since === null) return null;
  // No owner yet: just taken, or its taker died before writing; 10 s tells them apart.
  if ((!h.pid && Date.now() - since > 10_000) || h.dead) {
    await rm(lock, { recursive: true, force: true });
    return null;
  }
  return h.said;
}

/** Builds in flight, not counting dead ones (their entries are removed). */
async function inFlight(builds: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of await readdir(builds).catch(() => [] as string[])) {
    const h = await holder(path.join(builds, n));
    if (h.dead) await rm(path.join(builds, n), { force: true });
    else out.push(h.said);
  }
  return out;
}

/**
 * A build's turn: look, announce, look again — a remover that came first makes this build step
 * back and wait (not announcing while it waits, or the remover would keep seeing it in flight).
 */
async function buildTurn(t: CacheTurn): Promise<() => void> {
  const me = path.join(t.builds, `${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  for (;;) {
    let r = await remover(t.lock);
    if (!r) {
      writeFileSync(me, t.owner);
      r = await remover(t.lock);
      if (!r) break;
      rmSync(me, { force: true });
    }
    tooLong(t, r);
    await sleep(50);
  }
  return () => rmSync(me, { force: true });
}

/** A removal's turn: the lock taken, then no build in flight. */
async function removeTurn(t: CacheTurn): Promise<() => void> {
  for (;;) {
    try {
      await mkdir(t.lock);
      writeFileSync(path.join(t.lock, 'owner'), t.owner);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const r = await remover(t.lock);
      if (r) tooLong(t, r);
      await sleep(50);
    }
  }
  const release = () => rmSync(t.lock, { recursive: true, force: true });
  for (let f = await inFlight(t.builds); f.length; f = await inFlight(t.builds)) {
    try {
      tooLong(t, f.join(', '));
    } catch (e) {
      release();
      throw e;
    }
    await sleep(50);
  }
  return release;
}

/**
 * The engine's build cache is one per host: builds may run together, but the removal of what
 * builds made waits until none is in flight, and holds new ones off (a cleanup removing a layer
 * another build is about to commit on fails that build: "failed to set parent … unknown parent
 * image ID"). Across suites and runs; bounded waits that say whose turn it is.
 */
export async function withEngineCache<T>(what: string, fn: (waitedMs: number) => Promise<T>,
  o: { mode?: 'build' | 'remove'; maxWaitMs?: number } = {}): Promise<T> {
  const base = path.join(runsDir(), 'engine-cache');
  const t: CacheTurn = { what, t0: Date.now(), maxWaitMs: o.maxWaitMs ?? 1_800_000, lock: path.join(base, 'removing'),
    builds: path.join(base, 'builds'), owner: `${process.pid} ${procStart(process.pid) ?? ''} ${what}` };
  await mkdir(t.builds, { recursive: true });
  const release = await ((o.mode ?? 'remove') === 'build' ? buildTurn(t) : removeTurn(t));
  process.once('exit', release);
  try {
    return await fn(Date.now() - t.t0);
  } finally {
    process.removeListener('exit', release);
    release();
  }
}

/** Other workers of this run active now: "<suite> (pid N)". null when it cannot be told. */
export function activeAlongside(id = runId()): string[] | null {
  let names: string[];
  try {
    names = readdirSync(activeDir(id));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? [] : null;
  }
  const out: string[] = [];
  for (const n of names) {
    const pid = Number(n.slice(n.lastIndexOf('.') + 1));
    if (pid === process.pid) continue;
    let start = '';
    try {
      start = readFileSync(path.join(activeDir(id), n), 'utf8');
    } catch {
      continue; // removed as we read: its worker is done
    }
    if (alive({ pid, start })) out.push(`${n.slice(0, n.lastIndexOf('.'))} (pid ${pid})`);
  }
  return out;
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseOwner(text: string): { id: string; pid: number; start: string; what: string } | null {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// This process's windows (src/core/windows.ts) hold the lock together: how many, and its taking.
const shared: { count: number; taking: Promise<string[]> | null; waited: string[] } = { count: 0, taking: null, waited: [] };

/**
 * The host's measuring lock, taken for a window of this process: the first window takes it (a
 * bounded wait that says whose run it waits for, then fails rather than measure on a contended
 * host), windows beside it in this process share it, the last one out releases it.
 */
export async function holdMeasuringLock(what: string,
  o: { maxWaitMs?: number; say?: (s: string) => void } = {}): Promise<{ waitedMs: number; waitedFor: string[]; release: () => void }> {
  const t0 = Date.now();
  if (shared.count === 0) {
    // Windows that start together wait on one taking of the lock.
    shared.taking ??= takeLock(what, o).finally(() => (shared.taking = null));
    shared.waited = await shared.taking;
  }
  shared.count++;
  let released = false;
  return {
    waitedMs: Date.now() - t0,
    waitedFor: shared.waited,
    release: () => {
      if (released) return;
      released = true;
      if (--shared.count === 0) rmSync(LOCK(), { recursive: true, force: true });
    },
  };
}

async function takeLock(what: string, o: { maxWaitMs?: number; say?: (s: string) => void }): Promise<string[]> {
  const t0 = Date.now();
  const waitedFor = new Set<string>();
  const me = { id: runId(), pid: process.pid, start: procStart(process.pid) ?? '', what };
  await mkdir(runsDir(), { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK());
      await writeFile(path.join(LOCK(), 'owner.json'), JSON.stringify(me));
      return [...waitedFor];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Empty or missing while its taker is between mkdir and writeFile (a CI run read it empty and
      // threw): wait. A lock with no owner for 10 s is one whose taker died in between.
      const owner = await readFile(path.join(LOCK(), 'owner.json'), 'utf8').then(parseOwner, () => null);
      if (!owner && Date.now() - ((await stat(LOCK()).catch(() => null))?.mtimeMs ?? Date.now()) > 10_000) {
        await rm(LOCK(), { recursive: true, force: true });
        continue;
      }
      if (owner && !alive(owner)) {
        await rm(LOCK(), { recursive: true, force: true }); // its run died mid-window
        continue;
      }
      if (owner && !waitedFor.has(owner.id)) {
        waitedFor.add(owner.id);
        (o.say ?? ((s: string) =>
          process.stderr.write(`${s}\n`)))(`isolab: ${what} waits for run ${owner.id} (pid ${owner.pid}), which is `
          + `measuring ${owner.what}`);
      }
      if (Date.now() - t0 > (o.maxWaitMs ?? 300_000))
        throw new Error(`${what}: waited ${Math.round((Date.now() - t0) / 1000)} s for run ${owner?.id ?? '?'} `
        + `(pid ${owner?.pid ?? '?'}) to finish measuring ${owner?.what ?? ''}; not measuring on a contended host`);
      await sleep(100 + Math.random() * 100);
    }
  }
}
