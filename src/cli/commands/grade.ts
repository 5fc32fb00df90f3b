// `isolab grade <dir>`: the image and compose checks against a student's folder (the same
// suites, through ISOLAB_SUBMISSION and ISOLAB_ASSIGNMENT), scored by a rubric declared as data.
// The submission is untrusted: what would reach the host is refused before anything runs, and
// costs that part's points with the file, line and reason. Nothing is left behind.
import { stat, readFile, writeFile, copyFile, access, realpath, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runSuites } from './run.js';
import { loadRubric, score, fillHint } from '../../grade/rubric.js';
import { loadAssignment, LECTURE_ASSIGNMENT, PART_CLAIMS, type Assignment } from '../../grade/assignment.js';
import { inspectSubmission, describe, type Finding } from '../../grade/untrusted.js';
import { gradescope, classroomBase64, type Grade } from '../../grade/formats.js';
import { runId } from '../../core/names.js';
import { runFolder, writeRun } from '../../results/write.js';
import { summarize, SCHEMA, EXIT, type Results } from '../../types/results.js';
import { CLAIMS } from '../../claims/catalog.js';
import { ok, bad, dim } from '../ui.js';
import { fromRoot } from '../../core/paths.js';
import { setting, setSetting } from '../../core/settings.js';

export const DEFAULT_RUBRIC = fromRoot('fixtures', 'grading', 'rubric.json');

export interface GradeOptions {
  /** with --format gradescope: where Gradescope's results.json goes */
  out?: string;
  assignment?: string;
  rubric?: string;
  json?: boolean;
  format?: string[];
  quiet?: boolean;
}

const err = (s: string) => process.stderr.write(`isolab grade: ${s}\n`);

/** Which claims a refused part costs, and why (every finding in that part, file:line). */
export function refusals(findings: Finding[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [part, claims] of Object.entries(PART_CLAIMS)) {
    const mine = findings.filter((f) => f.parts.includes(part as keyof typeof PART_CLAIMS));
    if (!mine.length) continue;
    const why = `refused before running (the submission reaches for the grader's host): ${mine.map(describe).join('; ')}`;
    for (const c of claims) out.set(c, out.has(c) ? `${out.get(c)}; ${mine.map(describe).join('; ')}` : why);
  }
  return out;
}

const STRIPPED_WHY: Record<string, string> = {
  ports: 'removed: a graded project publishes nothing on the host\'s ports (its services reach each other by name)',
  container_name: 'removed: names on the engine are the grader\'s, so two submissions never collide',
};

/** What containment changed in the submission's compose file, for the student (from the checks' evidence). */
export function containedChanges(r: Results): string[] {
  const out = new Set<string>();
  for (const c of r.claims) {
    for (const ev of [c.evidence, ...(c.scenarios ?? []).map((x) => x.evidence ?? {})]) {
      const stripped = (ev as { contained?: { stripped?: string[] } })?.contained?.stripped ?? [];
      for (const f of stripped) out.add(`${f} ${STRIPPED_WHY[f.split('.').pop()!] ?? 'removed: it reaches beyond the project'}`);
    }
  }
  return [...out];
}

/** Run fn with everything written to stdout sent to stderr instead. */
async function toStderr<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

export async function gradeCommand(dir: string, o: GradeOptions): Promise<number> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) {
    err(`${dir} is not a directory; pass a submission folder (see fixtures/grading/sample)`);
    return 2;
  }
  const sub = await realpath(dir);
  let assignment: Assignment;
  let rubric;
  try {
    assignment = loadAssignment(path.resolve(o.assignment ?? LECTURE_ASSIGNMENT));
    rubric = await loadRubric(path.resolve(o.rubric ?? DEFAULT_RUBRIC));
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
  const parts = await Promise.all(['hello', 'compose', 'multistage'].map((p) =>
    stat(path.join(sub, assignment[p as 'hello'].dir)).then((s) => s.isDirectory(), () => false)));
  if (!parts.some(Boolean)) {
    err(`${dir} has none of the assignment's folders `
      + `(${[assignment.hello.dir, assignment.compose.dir, assignment.multistage.dir].join(', ')}); a submission `
      + `looks like fixtures/grading/sample`);
    return 2;
  }
  // Untrusted input: read it (never following links) before anything of it runs.
  const findings = await inspectSubmission(sub, assignment);
  const refused = refusals(findings);
  setSetting('submission', sub);
  if (o.assignment) setSetting('assignment', path.resolve(o.assignment));
  if (!setting('composeTimeoutMs')) setSetting('composeTimeoutMs', String(assignment.limits.upSeconds * 1000));
  if (!setting('runDir')) setSetting('runDir', runFolder(runId(), 'grade'));
  const runDir = setting('runDir')!;
  // Only what the rubric scores and nothing refused: a whole claim, or one scenario of it.
  const toRun = [...new Set(rubric.checks.map((c) => c.check))].filter((c) => !refused.has(c.split(' › ')[0]!));
  // --json: stdout is the grade's JSON alone; the run's progress and report lines go to stderr.
  const code = toRun.length
    ? await (o.json ? toStderr(() => runSuites([], { claim: toRun, quiet: true })) : runSuites([], { claim: toRun, quiet: true })) : 0;
  let results: Results;
  try {
    results = JSON.parse(await readFile(path.join(runDir, 'results.json'), 'utf8')) as Results;
  } catch {
    if (toRun.length) {
      err(`the checks wrote no results (exit ${code}); see the output above`);
      return 1;
    }
    results = { schema: SCHEMA,
      run: { id: runId(), startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(),
      argv: process.argv.slice(1) }, host: {}, claims: [], summary: { passed: 0, failed: 0, skipped: 0 } };
  }
  // Refused checks did not run: they enter the results as failures that say why.
  for (const [id, why] of refused) {
    if (!rubric.checks.some((c) => c.check.split(' › ')[0] === id) || results.claims.some((c) => c.id === id)) continue;
    const def = CLAIMS.find((c) => c.id === id)!;
    results.claims.push({ ...def, verdict: 'fail', reason: why,
      evidence: { summary: 'refused before running', refused: findings.map(describe) }, durationMs: 0 });
  }
  results.summary = summarize(results.claims);
  // The hints in the assignment's words: its folders, services, port (a course's own rubric too).
  const s = score({ ...rubric, checks: rubric.checks.map((c) => ({ ...c, hint: fillHint(c.hint, assignment) })) }, results.claims, refused);
  for (const c of results.claims) {
    const items = s.items.filter((i) => i.check.split(' › ')[0] === c.id);
    if (items.length) c.points = { earned: items.reduce((a, i) => a + i.earned, 0),
      possible: items.reduce((a, i) => a + (i.verdict === 'skip' ? 0 : i.points), 0) };
  }
  // Checks the grading host failed under say nothing of the submission: no score is recorded.
  const unjudged = s.items.filter((i) => i.verdict === 'error');
  const incomplete = unjudged.length ? (results.incomplete?.map((f) => f.message) ?? unjudged.map((i) => `${i.check}: ${i.why}`)) : [];
  // Every check skipped (no engine when it started, say): 0/0 is not a grade either.
  if (!incomplete.length && s.items.length && s.items.every((i) => i.verdict === 'skip'))
    incomplete.push(`no check could run on this grading host: ${s.items[0]!.why}`);
  const contained = containedChanges(results);
  const grade: Grade = {
    rubric: rubric.name, assignment: assignment.name, submission: dir, score: s.earned, possible: s.possible, items: s.items,
    ...(findings.length ? { refused: findings.map(describe) } : {}), ...(incomplete.length ? { incomplete } : {}),
    ...(contained.length ? { contained } : {}),
  };
  results.grade = grade as unknown as Record<string, unknown>;
  await writeRun(runDir, results);
  const formats = new Set(incomplete.length ? [] : o.format ?? []);
  await writeFormats(grade, runDir, formats, o.out);
  if (o.json) process.stdout.write(JSON.stringify(grade, null, 2) + '\n');
  else if (!o.quiet) printGrade({ name: rubric.name, dir, runDir, findings, contained, items: s.items, formats });
  if (results.leaks?.length) process.stderr.write(bad(`the grading run left ${results.leaks.length} thing(s) behind (see above)\n`));
  if (incomplete.length) {
    process.stderr.write(`isolab grade: the grade is incomplete — ${incomplete.join('; ')}. No score was `
      + `recorded${o.format?.length ? ` (no ${o.format.join(', ')} file written)` : ''}; grade this submission `
      + `again once the host is whole.\n`);
    if (!o.json) process.stdout.write('score: incomplete\n');
    return EXIT.incomplete;
  }
  // --json: stdout is the grade's JSON and nothing else.
  if (!o.json) process.stdout.write(`score: ${s.earned}/${s.possible}\n`);
  return results.leaks?.length || results.errors?.length ? EXIT.failed : EXIT.ok;
}

/** Gradescope's and Classroom's files beside the run's results (and Gradescope's where it reads it). */
async function writeFormats(grade: Parameters<typeof gradescope>[0], runDir: string, formats: Set<string>, out?: string): Promise<void> {
  if (formats.has('gradescope')) {
    const text = JSON.stringify(gradescope(grade), null, 2) + '\n';
    await writeFile(path.join(runDir, 'gradescope.json'), text);
    // Where Gradescope reads it: --out, or its own tree when this runs in its autograder.
    const target = out ?? (await gradescopeResults());
    if (target) {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, text);
      process.stderr.write(`isolab grade: Gradescope's results written to ${target}\n`);
    }
  }
  if (formats.has('classroom')) await writeFile(path.join(runDir, 'classroom.b64'), classroomBase64(grade) + '\n');
}

/** The grade on the terminal: what was refused and changed, each item with its hint. */
function printGrade(g: { name: string; dir: string; runDir: string; findings: Parameters<typeof describe>[0][];
  contained: string[]; items: ReturnType<typeof score>['items']; formats: Set<string> }): void {
  const { dir, runDir, findings, contained, formats } = g;
  process.stdout.write(`\n${g.name} — ${dir}\n`);
  if (findings.length) {
    process.stdout.write(bad('refused before running (these reach the grader\'s host):\n'));
    for (const f of findings) process.stdout.write(`  ${describe(f)}\n`);
  }
  if (contained.length) {
    process.stdout.write(dim('changed in your files before running (grading publishes nothing, limits every container):\n'));
    for (const c of contained) process.stdout.write(dim(`  ${c}\n`));
  }
  for (const i of g.items) {
    if (i.verdict === 'error') {
      process.stdout.write(`${bad('⚠')}    ?/${i.points}  ${i.check}\n${dim(`         ${i.why}\n`)}`);
      continue;
    }
    const mark = i.verdict === 'skip' ? dim('–') : i.earned === i.points ? ok('✓') : i.earned > 0 ? dim('½') : bad('✗');
    process.stdout.write(`${mark} ${i.verdict === 'skip' ? '   –' : String(i.earned).padStart(4)}/${i.points}  ${i.check}\n`);
    if (i.verdict === 'skip') process.stdout.write(dim(`         ${i.why}\n`));
    else if (i.hint) process.stdout.write(`         hint: ${i.hint}\n${i.why ? dim(`         why: ${i.why.split('\n')[0]}\n`) : ''}`);
  }
  process.stdout.write(`isolab: graded results in ${path.relative(process.cwd(), runDir)}/ (results.json, `
    + `junit.xml, report.html${formats.size ? `, ${[...formats].map((f) => (f === 'gradescope' ? 'gradescope.json' : 'classroom.b64')).join(', ')}` : ''})\n`);
}

/** Gradescope's results file when this runs inside its autograder (autograderRoot: a test's fake tree). */
async function gradescopeResults(): Promise<string | null> {
  const root = setting('autograderRoot') ?? '/autograder';
  return (await stat(root).then((x) => x.isDirectory(), () => false)) ? path.join(root, 'results', 'results.json') : null;
}

/** `isolab grade --init [dir]`: a commented assignment and a rubric to start a course's own from. */
export async function gradeInit(dir = '.', o: { force?: boolean } = {}): Promise<number> {
  const targets = [[LECTURE_ASSIGNMENT, 'assignment.yaml'], [DEFAULT_RUBRIC, 'rubric.json']] as const;
  for (const [, name] of targets) {
    if (!o.force && (await access(path.join(dir, name)).then(() => true, () => false))) {
      err(`${path.join(dir, name)} exists; not overwriting it (remove it, pass another folder, or --force)`);
      return 2;
    }
  }
  await mkdir(dir, { recursive: true });
  for (const [from, name] of targets) await copyFile(from, path.join(dir, name));
  process.stdout.write(`wrote ${path.join(dir, 'assignment.yaml')} and ${path.join(dir, 'rubric.json')}\nthen: sudo `
    + `npx isolab grade <submission> --assignment ${path.join(dir, 'assignment.yaml')} --rubric ${path.join(dir, 'rubric.json')}\n`);
  return 0;
}
