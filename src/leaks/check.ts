// The leak check's judgement: the host read again and compared with the reading before the run,
// each difference this run's leak or not (and why not), said for a reader. Removing what is left
// is the run's close (src/run/session.ts), which calls this.
import { setTimeout as sleep } from 'node:timers/promises';
import { snapshot } from './snapshot.js';
import { diffHost, engineHeld, engineUnchecked } from './diff.js';
import { isLeak, type HostSnapshot, type Leak } from './types.js';
import { engineAnswers } from '../core/faults.js';
import { engineName } from '../core/engine-name.js';
import { until } from '../core/waits.js';

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

const key = (l: Leak) => `${l.change} ${l.kind} ${l.item}`;
const GONE = 'gone when the host was read again a second later: not left behind (a passing thing of another '
  + 'process, such as the veth of another run\'s container being removed)';

/**
 * Every difference from `before`, judged. An engine mount of a container the engine is still
 * removing (this run's or another's), or podman's storage home while one of its helpers (conmon's
 * cleanup) still runs, is gone a moment later; a leaked one stays: such changes are read again,
 * 2 s apart, up to 10 s. Any other leak is read once more a second later: only what is still
 * there was left behind. With the engine gone (`engineFailed` and it still does not answer) what
 * it holds cannot be attributed.
 */
export async function judgeHost(before: HostSnapshot, o: { engineFailed?: boolean } = {})
  : Promise<{ all: Leak[]; engineGone: boolean }> {
  const engineGone = !!o.engineFailed && !(await engineAnswers());
  let all = diffHost(before, await snapshot());
  const settling = (ls: Leak[]) => ls.some((l) => isLeak(l)
    && (l.kind === 'containers' || l.kind === 'mounts' && /^\/(var\/lib|run)\/(docker|containers)\//.test(l.item)));
  // Bounded: read again every 2 s, 10 s at most (an emulated guest's podman helpers take seconds to exit).
  if (!engineGone && settling(all))
    await until(async () => !settling(all = diffHost(before, await snapshot())), { what: 'the engine to settle', timeoutMs: 10_000,
      everyMs: 2000 });
  if (all.some(isLeak)) {
    await sleep(1000);
    const still = new Set(diffHost(before, await snapshot()).filter(isLeak).map(key));
    all = all.map((l) => (isLeak(l) && !still.has(key(l)) ? { ...l, not: GONE } : l));
  }
  if (engineGone) all = engineUnchecked(all, engineName() === 'podman' ? 'Podman' : 'Docker');
  return { all, engineGone };
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
