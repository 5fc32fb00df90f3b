// Per-submission grading time of the sample, cold (content its builds have never seen) and warm
// (the same copy again), each a whole `isolab grade` in its own process. Goal: ≤ 30 s warm.
// Not a timed test: `isolab bench grading`.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../src/core/exec.js';
import type { BenchContext } from '../src/bench/types.js';

import { ROOT as repo } from '../src/core/paths.js';
const WARM_GOAL_MS = 30_000;

export async function grading(ctx: BenchContext) {
  const work = await mkdtemp(path.join(tmpdir(), 'bench-grade-'));
  ctx.ledger.add('tempdir', work, () => rm(work, { recursive: true, force: true }));
  const sub = path.join(work, 'sample');
  await cp(path.join(repo, 'fixtures/grading/sample'), sub, { recursive: true });
  // Cold: a comment no build has seen makes every build step of the submission miss the cache.
  for (const f of ['hello/hello.sh', 'compose/server.go']) {
    const p = path.join(sub, f);
    await writeFile(p, `${await readFile(p, 'utf8')}\n${f.endsWith('.go') ? '//' : '#'} bench ${Date.now()}\n`);
  }
  const once = async (label: string) => {
    ctx.progress(`grading: ${label} …`);
    const env = { ISOLAB_REPORTS: path.join(work, `reports-${label}`), NO_COLOR: '1', ISOLAB_RUN_ID: undefined, ISOLAB_RUN_DIR: undefined, ISOLAB_HOST: undefined };
    const r = await run(process.execPath, [path.join(repo, 'bin/isolab.js'), 'grade', sub], { check: false, timeoutMs: 600_000, env });
    return { ms: Math.round(r.durationMs), score: /score: (\S+)$/m.exec(r.stdout)?.[1] ?? `exit ${r.exitCode}` };
  };
  const cold = await once('cold');
  const warm = await once('warm');
  return { submission: 'fixtures/grading/sample', coldMs: cold.ms, warmMs: warm.ms, score: warm.score, coldScore: cold.score, warmGoalMs: WARM_GOAL_MS, warmWithinGoal: warm.ms <= WARM_GOAL_MS };
}
