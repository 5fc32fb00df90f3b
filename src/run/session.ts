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
import { engineName } from '../core/engine-name.js';
import { runFolder } from '../core/paths.js';
import { setting, setSetting } from '../core/settings.js';
import { probeHost } from '../host/probe.js';
import { courseDirs, writeScenarioSet } from '../scenarios/files.js';
import path from 'node:path';

export { leakLines, type LeakCheck } from '../leaks/check.js';

export interface Session {
  id: string;
  ledger: Ledger;
  /** the host before the run made anything; null when the leak check is off (or not root, where asked) */
  before: HostSnapshot | null;
}

/**
 * Announce this run host-wide (idempotent): another run's leak check and `isolab clean` spare a
 * live run's temp dirs, containers and disks. Every command that makes things, and `npx vitest`.
 */
export function announceRun(id = runId()): void {
  registerRun(id);
  if (!setting('outerRun')) setSetting('outerRun', id); // inherited by every run this one starts
}

/**
 * Open a run of the suites, once, in vitest's main process (vitest.config.ts): announced, its
 * report folder and the host facts handed to the test workers through the environment. Its
 * close is the reporter's (src/results/reporter.ts), through `leakCheck` below.
 */
export async function openSuitesRun(): Promise<void> {
  engineName(); // a misspelt ISOLAB_ENGINE stops the run here, named, before anything starts
  announceRun();
  if (!setting('runDir')) setSetting('runDir', runFolder(runId()));
  // Under `npx vitest` with ISOLAB_SCENARIOS: the scenario files parsed here, once, as `isolab run` does.
  // A set handed down from another run (a test's parent run) is not this run's.
  if (path.dirname(setting('scenarioSet') ?? '') !== setting('runDir')) await writeScenarioSet(setting('runDir')!, courseDirs());
  if (!setting('host')) setSetting('host', JSON.stringify(await probeHost()));
}

/** Open a run: announced, its ledger and signal cleanup in place, the host read (when `snapshot`). */
export async function openSession(label: string, o: { snapshot?: boolean } = {}): Promise<Session> {
  announceRun();
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
