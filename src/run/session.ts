// A run's life on this host, the same for every command that makes things (run, bench, grade,
// guest run and build, provision). Opened: its id announced host-wide (another run's leak check
// and `isolab clean` spare what it makes), a ledger undone on exit and on SIGINT/SIGTERM, the
// host's state read. Closed: the ledger undone, then the leak check against that reading — what
// the run still left is swept by its name and stays reported.
import { Ledger, installSignalCleanup, type UndoFailure } from '../core/ledger.js';
import { snapshot } from '../leaks/snapshot.js';
import { diffHost, diffSnapshots, engineHeld, engineUnchecked } from '../leaks/diff.js';
import { isLeak, type HostSnapshot, type Leak } from '../leaks/types.js';
import { registerRun } from '../core/runs.js';
import { runId, runPrefix } from '../core/names.js';
import { engineAnswers } from '../core/faults.js';
import { engineName } from '../core/engine.js';
import { clean } from './clean.js';

export interface Session {
  id: string;
  ledger: Ledger;
  /** the host before the run made anything; null when the leak check is off (or not root, where asked) */
  before: HostSnapshot | null;
}

export interface LeakCheck {
  /** what the run left: changes that are its own */
  leaks: Leak[];
  /** of those, what the sweep could not remove */
  remaining: Leak[];
  /** host changes that are not this run's (another run's, first use of a feature), each with why */
  notOurs: Leak[];
  /** the engine died under the run and is still gone: what it holds was not judged */
  engineGone: boolean;
}

/** Open a run: registered, its ledger and signal cleanup in place, the host read (when `snapshot`). */
export async function openSession(label: string, o: { snapshot?: boolean } = {}): Promise<Session> {
  registerRun();
  installSignalCleanup();
  const ledger = new Ledger(label);
  return { id: runId(), ledger, before: o.snapshot === false ? null : await snapshot() };
}

/**
 * The leak check against `before`. An engine mount of a container the engine is still removing
 * (this run's or another's), or podman's storage home while one of its helpers (conmon's
 * cleanup) still runs, is gone a moment later; a leaked one stays: such changes are read again,
 * 2 s apart, up to 10 s. With the engine gone (`engineFailed` and it still does not answer) what it
 * holds cannot be attributed. What is this run's is swept by the run's name.
 */
export async function leakCheck(before: HostSnapshot, o: { engineFailed?: boolean } = {}): Promise<LeakCheck> {
  const engineGone = !!o.engineFailed && !(await engineAnswers());
  let all = diffHost(before, await snapshot());
  const settling = (ls: Leak[]) => ls.some((l) => isLeak(l)
    && (l.kind === 'containers' || l.kind === 'mounts' && /^\/(var\/lib|run)\/(docker|containers)\//.test(l.item)));
  // Bounded: 5 readings 2 s apart (an emulated guest's podman helpers take seconds to exit).
  for (let i = 0; i < 5 && !engineGone && settling(all); i++) {
    await new Promise((r) => setTimeout(r, 2000));
    all = diffHost(before, await snapshot());
  }
  if (engineGone) all = engineUnchecked(all, engineName() === 'podman' ? 'Podman' : 'Docker');
  const leaks = all.filter(isLeak);
  let remaining: Leak[] = [];
  if (leaks.length) {
    await clean(runPrefix());
    remaining = diffSnapshots(before, await snapshot());
  }
  return { leaks, remaining, notOurs: all.filter((l) => !isLeak(l)), engineGone };
}

/** The leak check for a reader, line by line. */
export function leakLines(c: LeakCheck): string[] {
  const out: string[] = [];
  if (c.leaks.length) {
    const still = new Set(c.remaining.map((l) => `${l.kind} ${l.item}`));
    out.push(`isolab: leak check FAILED — the run left ${c.leaks.length} thing(s) behind:`);
    for (const l of c.leaks) out.push(`  ${l.change} ${l.kind}: ${l.item}${still.has(`${l.kind} ${l.item}`)
      ? '  (still there: not named for this run; see `isolab clean`)' : '  (removed)'}`);
  } else out.push(`isolab: leak check: nothing left behind${c.engineGone ? ' that could be checked (the engine is gone: below)' : ''}`);
  const unchecked = c.notOurs.filter((l) => c.engineGone && engineHeld(l));
  for (const l of c.notOurs.filter((x) => !unchecked.includes(x)))
    out.push(`isolab: host change that is not a leak of this run: ${l.change} ${l.kind}: ${l.item} — ${l.not}`);
  if (unchecked.length) out.push(`isolab: the engine stopped answering during the run and is still gone: `
    + `${unchecked.length} item(s) of host state it holds (${[...new Set(unchecked.map((l) => l.kind))].join(', ')}) `
    + 'and its containers, networks and images were not checked — once it is back (`isolab provision`), run `isolab clean`');
  return out;
}

/** Close a run: its ledger undone (what failed to undo, returned), then the leak check. */
export async function closeSession(s: Session, o: { engineFailed?: boolean } = {})
  : Promise<{ failures: UndoFailure[]; check: LeakCheck | null }> {
  const failures = await s.ledger.close();
  return { failures, check: s.before ? await leakCheck(s.before, o) : null };
}
