// The engine's build cache, shared by every build on the host, taken in turns: builds together,
// a removal of what builds made alone (across suites and runs, through the run registry's folder).
import { writeFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { alive, procStart, runsDir } from '../core/runs.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Turns this process holds, given back if it exits holding them (one listener for all). */
const held = new Set<() => void>();
process.once('exit', () => held.forEach((release) => release()));

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
  held.add(release);
  try {
    return await fn(Date.now() - t.t0);
  } finally {
    held.delete(release);
    release();
  }
}
