// Measuring a CPU window is exclusive across runs: a lock folder made atomically with mkdir,
// its owner recorded inside, taken with a bounded wait that says whose run it waits for.
import { rmSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runId } from './names.js';
import { alive, procStart, runsDir } from './runs.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const LOCK = () => path.join(runsDir(), 'measure.lock');

export function parseOwner(text: string): { id: string; pid: number; start: string; what: string } | null {
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
      // Empty or missing while its taker is between mkdir and writeFile: wait. A lock with no
      // owner for 10 s is one whose taker died in between.
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
