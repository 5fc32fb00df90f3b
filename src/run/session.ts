// A run's life on this host, the same for every command that makes things (run, bench, grade,
// guest run and build, provision). Opened: its id announced host-wide (another run's leak check
// and `isolab clean` spare what it makes), a ledger undone on exit and on SIGINT/SIGTERM, the
// host's state read. Closed: the ledger undone, then the leak check against that reading — what
// the run still left is swept by its name and stays reported.
import { Ledger, installSignalCleanup, type UndoFailure } from '../core/ledger.js';
import { snapshot } from '../leaks/snapshot.js';
import { diffSnapshots } from '../leaks/diff.js';
import { judgeHost, type LeakCheck } from '../leaks/check.js';
import { isLeak, type HostSnapshot, type Leak } from '../leaks/types.js';
import { ownsRun, registerRun } from '../core/runs.js';
import { runId, runPrefix } from '../core/names.js';
import { engineAnswers } from '../core/faults.js';
import { dropRunCache } from '../docker/run-cache.js';
import { clean } from './clean.js';

export { leakLines, type LeakCheck } from '../leaks/check.js';

export interface Session {
  id: string;
  ledger: Ledger;
  /** the host before the run made anything; null when the leak check is off (or not root, where asked) */
  before: HostSnapshot | null;
}

/** Open a run: registered, its ledger and signal cleanup in place, the host read (when `snapshot`). */
export async function openSession(label: string, o: { snapshot?: boolean } = {}): Promise<Session> {
  registerRun();
  installSignalCleanup();
  const ledger = new Ledger(label);
  return { id: runId(), ledger, before: o.snapshot === false ? null : await snapshot() };
}

/**
 * The end of a run's life on the host, before its report: the layers its builds kept for each
 * other removed (src/docker/run-cache.ts; a run started by another leaves them to that one),
 * then the leak check against `before`; what is this run's is swept by the run's name and stays
 * reported.
 */
export async function leakCheck(before: HostSnapshot, o: { engineFailed?: boolean } = {}): Promise<LeakCheck> {
  if (ownsRun() && (await engineAnswers()))
    await dropRunCache().catch(() => undefined); // what it could not remove, the check names
  const { all, engineGone } = await judgeHost(before, o);
  const leaks = all.filter(isLeak);
  let remaining: Leak[] = [];
  if (leaks.length) {
    await clean(runPrefix());
    remaining = diffSnapshots(before, await snapshot());
  }
  return { leaks, remaining, notOurs: all.filter((l) => !isLeak(l)), engineGone };
}

/** Close a run: its ledger undone (what failed to undo, returned), then the leak check. */
export async function closeSession(s: Session, o: { engineFailed?: boolean } = {})
  : Promise<{ failures: UndoFailure[]; check: LeakCheck | null }> {
  const failures = await s.ledger.close();
  return { failures, check: s.before ? await leakCheck(s.before, o) : null };
}
