// `isolab grade <dir> [--rubric file]`: the image and compose checks against a student's
// directory instead of fixtures/lecture (the same suite, through ISOLAB_SUBMISSION), scored
// by a rubric declared as data. A bad submission costs points with a hint; it never crashes
// or hangs the grader, and nothing is left behind.
import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSuites } from './run.js';
import { loadRubric, score } from '../../grade/rubric.js';
import { runId } from '../../core/names.js';
import { runFolder, writeRun } from '../../results/write.js';
import type { Results } from '../../results/schema.js';
import { ok, bad, dim } from '../ui.js';

const DEFAULT_RUBRIC = fileURLToPath(new URL('../../../fixtures/grading/rubric.json', import.meta.url));

export async function gradeCommand(dir: string, o: { rubric?: string; json?: boolean }): Promise<number> {
  const sub = path.resolve(dir);
  const st = await stat(sub).catch(() => null);
  if (!st?.isDirectory()) {
    process.stderr.write(`isolab grade: ${dir} is not a directory; pass a submission folder with hello/ and compose/ (see fixtures/grading/sample)\n`);
    return 2;
  }
  const parts = await Promise.all(['hello', 'compose'].map((p) => stat(path.join(sub, p)).then((s) => s.isDirectory(), () => false)));
  if (!parts.some(Boolean)) {
    process.stderr.write(`isolab grade: ${dir} has neither hello/ nor compose/; a submission looks like fixtures/grading/sample\n`);
    return 2;
  }
  let rubric;
  try {
    rubric = await loadRubric(path.resolve(o.rubric ?? DEFAULT_RUBRIC));
  } catch (e) {
    process.stderr.write(`isolab grade: ${(e as Error).message}\n`);
    return 2;
  }
  process.env.ISOLAB_SUBMISSION = sub;
  // A student's server that never answers must cost points, not minutes.
  process.env.ISOLAB_COMPOSE_TIMEOUT_MS ??= '25000';
  const runDir = (process.env.ISOLAB_RUN_DIR ??= runFolder(runId(), 'grade'));
  // Only what the rubric scores: a whole claim, or one scenario of it.
  const code = await runSuites([], { claim: [...new Set(rubric.checks.map((c) => c.check))], quiet: true });
  let results: Results;
  try {
    results = JSON.parse(await readFile(path.join(runDir, 'results.json'), 'utf8')) as Results;
  } catch {
    process.stderr.write(`isolab grade: the checks wrote no results (exit ${code}); see the output above\n`);
    return 1;
  }
  const s = score(rubric, results.claims);
  for (const c of results.claims) {
    const items = s.items.filter((i) => i.check.split(' › ')[0] === c.id);
    if (items.length) c.points = { earned: items.reduce((a, i) => a + i.earned, 0), possible: items.reduce((a, i) => a + i.points, 0) };
  }
  results.grade = { rubric: rubric.name, submission: dir, score: s.earned, possible: s.possible, items: s.items };
  await writeRun(runDir, results);
  if (o.json) process.stdout.write(JSON.stringify(results.grade, null, 2) + '\n');
  else {
    process.stdout.write(`\n${rubric.name} — ${dir}\n`);
    for (const i of s.items) {
      const mark = i.earned === i.points ? ok('✓') : i.earned > 0 ? dim('½') : bad('✗');
      process.stdout.write(`${mark} ${String(i.earned).padStart(4)}/${i.points}  ${i.check}\n`);
      if (i.hint) process.stdout.write(`         hint: ${i.hint}\n${i.why ? dim(`         why: ${i.why.split('\n')[0]}\n`) : ''}`);
    }
    process.stdout.write(`isolab: graded results in ${path.relative(process.cwd(), runDir)}/ (results.json, junit.xml, report.html)\n`);
  }
  if (results.leaks?.length) process.stdout.write(bad(`the grading run left ${results.leaks.length} thing(s) behind (removed)\n`));
  process.stdout.write(`score: ${s.earned}/${s.possible}\n`);
  return results.leaks?.length || results.errors?.length ? 1 : 0;
}
