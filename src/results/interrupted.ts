// After SIGINT/SIGTERM: vitest's main process exits within a millisecond, so the reporter
// runs this finisher synchronously. It waits for the run's workers to finish undoing their
// ledgers, sweeps the run's prefix as a backstop, runs the leak check against the snapshot
// taken at the start, and writes the partial results.
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { HostSnapshot } from '../leaks/types.js';
import { leakCheck, leakLines } from '../run/session.js';
import { clean } from '../run/clean.js';
import { runPrefix } from '../core/names.js';
import { summarize, type Results } from '../types/results.js';
import { writeRun } from './write.js';
import { SETTINGS } from '../core/settings.js';
import { SCENARIO_SET_FILE } from '../scenarios/files.js';
import { until } from '../core/waits.js';

export const BEFORE_FILE = '.before.json';
export const PARTIAL_FILE = '.partial.json';

/** Pids of processes (other than ours and our parent) that belong to this run. */
async function runProcesses(runId: string): Promise<number[]> {
  const out: number[] = [];
  for (const p of await readdir('/proc').catch(() => [])) {
    const pid = Number(p);
    if (!pid || pid === process.pid || pid === process.ppid) continue;
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (!env.includes(`${SETTINGS.runId.env}=${runId}\0`)) continue;
    // Not the tooling's own helpers: our children and the transpiler's esbuild service.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const m = /\((.*)\) \S (\d+)/.exec(stat);
    if (!m || m[1] === 'esbuild' || Number(m[2]) === process.pid) continue;
    out.push(pid);
  }
  return out;
}

export async function finishInterrupted(runDir: string, waitMs = 20_000): Promise<number> {
  const partial = JSON.parse(await readFile(path.join(runDir, PARTIAL_FILE), 'utf8')) as Results;
  const before = JSON.parse(await readFile(path.join(runDir, BEFORE_FILE), 'utf8').catch(() => 'null')) as HostSnapshot | null;
  const id = partial.run.id;
  process.stderr.write(`isolab: interrupted — waiting for run ${id}'s workers to undo what they made…\n`);
  await until(async () => !(await runProcesses(id)).length, { what: `run ${id}'s workers to end`, timeoutMs: waitMs });
  const stragglers = await runProcesses(id);
  for (const pid of stragglers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  const check = before ? await leakCheck(before) : null;
  const leaks = check?.leaks ?? [];
  // A backstop whatever the check saw: anything of the run's name goes.
  const removed = await clean(runPrefix(id));
  const results: Results = {
    ...partial,
    run: { ...partial.run, finishedAt: new Date().toISOString() },
    summary: summarize(partial.claims),
    leaks,
    errors: [...(partial.errors ?? []),
      `run interrupted; ${stragglers.length} worker(s) still running after ${waitMs / 1000} s were killed; the `
      + `sweep removed ${removed.length} leftover(s)`],
  };
  await writeRun(runDir, results);
  await rm(path.join(runDir, PARTIAL_FILE), { force: true });
  await rm(path.join(runDir, BEFORE_FILE), { force: true });
  await rm(path.join(runDir, SCENARIO_SET_FILE), { force: true });
  const s = results.summary;
  if (check) process.stdout.write(`${leakLines(check).join('\n')} (after the interrupt)\n`);
  process.stdout.write(`claims: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped (interrupted)\n`);
  return leaks.length ? 1 : 0;
}
