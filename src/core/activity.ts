// Which workers of which runs are at work: each worker marks the suite it runs, so that a CPU
// window can verify that nothing else of its own run, and no other run's work, is beside it.
import { mkdirSync, writeFileSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { runId } from './names.js';
import { activeDir, alive, otherLiveRuns, procStart } from './runs.js';
import { LOCK, parseOwner } from './measuring-lock.js';
import { setTimeout as sleep } from 'node:timers/promises';

// Within one run, suites run side by side (vitest.config.ts: sequence.groupOrder) except the
// measuring ones. Each worker marks the suite it runs until it exits, so a window can verify
// that nothing else of its own run was active, rather than trust the config.
let marked: string | null = null;
let markedPhase: Phase | null = null;

/**
 * A worker about to start marks itself `checking`, then looks for another run's window: it either
 * goes on (`working`) or steps back. A window waits for both before it opens; at its end, only
 * `working` is work that was beside it — a worker that checked and stepped back did none.
 */
export type Phase = 'checking' | 'working';

/** This worker runs `suite` for this run, until it exits or `markIdle()`. */
export function markActive(suite: string, phase: Phase = 'working'): void {
  const file = path.join(activeDir(), `${suite}.${process.pid}`);
  if (marked === file && markedPhase === phase) return;
  try {
    mkdirSync(activeDir(), { recursive: true });
    writeFileSync(file, `${procStart(process.pid) ?? ''}\n${phase}`);
    if (!marked) process.once('exit', markIdle);
    marked = file;
    markedPhase = phase;
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
    markActive(suite, 'checking');
    const owner = await readFile(path.join(LOCK(), 'owner.json'), 'utf8').then(parseOwner, () => null);
    // A lock with no owner yet is being taken (mkdir, then the owner file): a window is about to
    // open, so this is no time to start — unless its taker died in between (10 s, as takeLock).
    const since = owner ? null : await stat(LOCK()).then((x) => x.mtimeMs, () => null);
    const taking = since !== null && Date.now() - since < 10_000;
    const free = !owner || owner.id === runId() || !alive(owner) || ancestors().has(owner.pid);
    if (!taking && free) return markActive(suite);
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

/**
 * Other live runs' workers at work now (not measuring, not a run that started this one): "run <id>
 * <suite> (pid N)". With `checking`, also those looking whether they may start.
 */
export function otherRunsAtWork(o: { checking?: boolean } = {}): string[] {
  const mine = ancestors();
  const out: string[] = [];
  for (const r of otherLiveRuns()) {
    if (mine.has(r.pid)) continue;
    for (const w of activeAlongside(r.id, o) ?? []) {
      const m = /^(.*) \(pid (\d+)\)$/.exec(w);
      if (m && !MEASURING_SUITES.has(m[1]!) && !mine.has(Number(m[2]))) out.push(`run ${r.id} ${w}`);
    }
  }
  return out;
}

export function markIdle(): void {
  if (marked) rmSync(marked, { force: true });
  marked = null;
  markedPhase = null;
}

/** Other workers of this run active now: "<suite> (pid N)". null when it cannot be told. */
export function activeAlongside(id = runId(), o: { checking?: boolean } = { checking: true }): string[] | null {
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
    let text = '';
    try {
      text = readFileSync(path.join(activeDir(id), n), 'utf8');
    } catch {
      continue; // removed as we read: its worker is done
    }
    const [start = '', phase = 'working'] = text.split('\n');
    if (phase === 'checking' && !o.checking) continue;
    if (alive({ pid, start })) out.push(`${n.slice(0, n.lastIndexOf('.'))} (pid ${pid})`);
  }
  return out;
}
