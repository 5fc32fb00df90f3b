// Grading a submission: its files read as untrusted input first (what would reach the host is
// refused, and costs that part's points with the file, line and reason), then the rubric's checks
// run as a run of the suites (ISOLAB_SUBMISSION, ISOLAB_ASSIGNMENT), scored into a Grade written
// beside the run's results. The CLI (src/cli/commands/grade.ts, grade-output.ts) prints it and writes its formats.
import { stat, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { emptyRequest } from '../run/request.js';
import { loadRubric, score, fillHint, type Rubric } from './rubric.js';
import { loadAssignment, partOf, LECTURE_ASSIGNMENT, PART_CLAIMS, type Assignment } from './assignment.js';
import { inspectSubmission, describe, type Finding } from './untrusted.js';
import type { Grade } from './formats.js';
import { runId } from '../core/names.js';
import { writeRun } from '../results/write.js';
import { runFolder } from '../core/paths.js';
import { summarize, SCHEMA, type Results } from '../types/results.js';
import { claimHead } from '../claims/catalog.js';
import { fromRoot } from '../core/paths.js';
import { setting, setSetting } from '../core/settings.js';
import { workspacePath, type Annotation } from '../results/github.js';
import { isCourseFile, loadCourse } from './course.js';
import { STRIPPED_WHY } from './untrusted.js';
import type { Graded } from './graded.js';
import { gradeCourse } from './course-grade.js';

export const DEFAULT_RUBRIC = fromRoot('fixtures', 'grading', 'rubric.json');

export interface GradeRequest {
  assignment?: string;
  rubric?: string;
  /** the run's progress on stderr: stdout is kept for the grade's JSON */
  progressToStderr?: boolean;
}

export type { Graded } from './graded.js';

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

/**
 * What will be graded: the assignment and the rubric read and checked, the rubric kept to the
 * parts the assignment declares (a course's own rubric that scores another part is a mistake,
 * named), its hints in the assignment's words. Used by a grade and by `isolab grade --explain`.
 */
export async function gradingPlan(o: Pick<GradeRequest, 'assignment' | 'rubric'>)
  : Promise<{ assignment: Assignment; rubric: Rubric } | { error: string; code: number }> {
  let assignment: Assignment;
  let rubric: Rubric;
  try {
    assignment = loadAssignment(path.resolve(o.assignment ?? LECTURE_ASSIGNMENT));
    rubric = await loadRubric(path.resolve(o.rubric ?? DEFAULT_RUBRIC));
  } catch (e) {
    return { error: (e as Error).message, code: 2 };
  }
  // A part the assignment leaves out is not graded: the lecture's rubric keeps only the checks of
  // declared parts; a course's own rubric that scores an undeclared part is a mistake, named.
  const outside = rubric.checks.filter((c) => { const p = partOf(c.check); return p && !assignment.declared.includes(p); });
  if (outside.length && o.rubric)
    return { code: 2, error: `${o.rubric} scores ${outside.map((c) => `${c.check} (part ${partOf(c.check)})`).join(', ')}, `
      + `which ${o.assignment ?? 'the assignment'} does not declare: declare the part, or remove the check from the rubric` };
  return { assignment, rubric: { ...rubric, checks: rubric.checks.filter((c) => !outside.includes(c))
    .map((c) => ({ ...c, hint: fillHint(c.hint, assignment) })) } };
}

/** The submission, assignment and rubric read and checked: what the run needs, or why it cannot start. */
async function prepare(dir: string,
  o: GradeRequest): Promise<{ sub: string; assignment: Assignment; rubric: Rubric } | { error: string; code: number }> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) return { error: `${dir} is not a directory; pass a submission folder (see fixtures/grading/sample)`, code: 2 };
  const sub = await realpath(dir);
  const plan = await gradingPlan(o);
  if ('error' in plan) return plan;
  const { assignment, rubric } = plan;
  const dirs = assignment.declared.map((p) => assignment[p].dir);
  const present = await Promise.all(dirs.map((d) => stat(path.join(sub, d)).then((s) => s.isDirectory(), () => false)));
  if (!present.some(Boolean)) {
    return { code: 2, error: `${dir} has none of the assignment's folders (${[...new Set(dirs)].join(', ')}); a `
      + `submission looks like fixtures/grading/sample` };
  }
  return { sub, assignment, rubric };
}

/** The rubric's checks, but those refused, run as a run of the suites: its results (or none to read). */
async function runChecks(sub: string, toRun: string[],
  o: GradeRequest): Promise<{ results: Results; runDir: string } | { error: string; code: number }> {
  setSetting('submission', sub);
  if (o.assignment) setSetting('assignment', path.resolve(o.assignment));
  if (!setting('runDir')) setSetting('runDir', runFolder(runId(), 'grade'));
  const runDir = setting('runDir')!;
  // Loaded here, not above: vitest's API takes most of a second to load, and a course's
  // assignment in the vocabulary (course-grade.ts) never runs the suites.
  const { runSuites } = await import('../run/suites.js');
  const run = () => runSuites({ ...emptyRequest(), claims: toRun }, { quiet: true });
  const code = toRun.length ? await (o.progressToStderr ? toStderr(run) : run()) : 0;
  try {
    return { results: JSON.parse(await readFile(path.join(runDir, 'results.json'), 'utf8')) as Results, runDir };
  } catch {
    if (toRun.length) return { error: `the checks wrote no results (exit ${code}); see the output above`, code: 1 };
    const now = new Date().toISOString();
    return { runDir, results: { schema: SCHEMA, run: { id: runId(), startedAt: now, finishedAt: now, argv: process.argv.slice(1) },
      host: {}, claims: [], summary: { passed: 0, failed: 0, skipped: 0 } } };
  }
}

export async function gradeSubmission(dir: string, o: GradeRequest = {}): Promise<Graded> {
  // A course's assignment in the vocabulary of checks: its own path (src/grade/course-grade.ts).
  if (o.assignment && isCourseFile(path.resolve(o.assignment))) {
    if (o.rubric) return { code: 2, error: `${o.assignment} carries its own points and hints: --rubric goes with the lecture's shape only` };
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) return { error: `${dir} is not a directory; pass a submission folder`, code: 2 };
    let course;
    try {
      course = loadCourse(path.resolve(o.assignment));
    } catch (e) {
      return { error: (e as Error).message, code: 2 };
    }
    const sub = await realpath(dir);
    const run = () => gradeCourse(dir, sub, course);
    return o.progressToStderr ? toStderr(run) : run();
  }
  const p = await prepare(dir, o);
  if ('error' in p) return p;
  const { sub, assignment, rubric } = p;
  // Untrusted input: read it (never following links) before anything of it runs.
  const findings = await inspectSubmission(sub, assignment);
  const refused = refusals(findings);
  if (!setting('composeTimeoutMs')) setSetting('composeTimeoutMs', String(assignment.limits.upSeconds * 1000));
  // Only what the rubric scores and nothing refused: a whole claim, or one scenario of it.
  const toRun = [...new Set(rubric.checks.map((c) => c.check))].filter((c) => !refused.has(c.split(' › ')[0]!));
  const ran = await runChecks(sub, toRun, o);
  if ('error' in ran) return ran;
  const { results, runDir } = ran;
  // Refused checks did not run: they enter the results as failures that say why.
  for (const [id, why] of refused) {
    if (!rubric.checks.some((c) => c.check.split(' › ')[0] === id) || results.claims.some((c) => c.id === id)) continue;
    results.claims.push({ ...claimHead(id), verdict: 'fail', reason: why,
      evidence: { summary: 'refused before running', refused: findings.map(describe) }, durationMs: 0 });
  }
  results.summary = summarize(results.claims);
  // The hints in the assignment's words: its folders, services, port (a course's own rubric too).
  const s = score(rubric, results.claims, refused);
  for (const c of results.claims) {
    const items = s.items.filter((i) => i.check.split(' › ')[0] === c.id);
    if (items.length) c.points = { earned: items.reduce((a, i) => a + i.earned, 0),
      possible: items.reduce((a, i) => a + (i.verdict === 'skip' ? 0 : i.points), 0) };
  }
  const incomplete = unjudged(s.items, results);
  const contained = containedChanges(results);
  const grade: Grade = {
    rubric: rubric.name, assignment: assignment.name, parts: assignment.declared, submission: dir, score: s.earned,
    possible: s.possible, items: s.items,
    ...(findings.length ? { refused: findings.map(describe) } : {}), ...(incomplete.length ? { incomplete } : {}),
    ...(contained.length ? { contained } : {}),
  };
  results.grade = grade as unknown as Record<string, unknown>;
  await writeRun(runDir, results);
  const annotations = lostAnnotations(s.items, assignment, sub, findings);
  return { grade, results, runDir, title: assignment.name, findings, contained, items: s.items, incomplete, annotations };
}

/** The file of the submission a claim reads first: where a lost check is annotated. */
function partFile(a: Assignment, claim: string): string | undefined {
  const part = (Object.keys(PART_CLAIMS) as Array<keyof typeof PART_CLAIMS>).find((p) => PART_CLAIMS[p].includes(claim));
  if (!part) return undefined;
  return path.join(a[part].dir, part === 'compose' ? a.compose.file : 'Dockerfile');
}

/** Each check that lost points, on the file (and line, for a refusal) it is about, with its hint. */
export function lostAnnotations(items: ReturnType<typeof score>['items'], a: Assignment, sub: string,
  findings: Finding[]): Annotation[] {
  return items.filter((i) => i.earned < i.points && i.verdict !== 'skip' && i.verdict !== 'error').map((i) => {
    const claim = i.check.split(' › ')[0]!;
    const refusal = i.verdict === 'refused'
      ? findings.find((f) => f.parts.some((p) => (PART_CLAIMS as Record<string, string[]>)[p]?.includes(claim))) : undefined;
    const file = refusal ? refusal.file : partFile(a, claim);
    return {
      title: `${i.check}: ${i.earned}/${i.points}`,
      message: [i.hint && `hint: ${i.hint}`, i.why?.split('\n')[0]].filter(Boolean).join('\n') || 'lost its points',
      ...(file ? { file: workspacePath(path.resolve(sub, file)) } : {}),
      ...(refusal?.line ? { line: refusal.line } : {}),
    };
  });
}

/** Why no score may be recorded: checks the grading host failed under, or none that could run. */
function unjudged(items: ReturnType<typeof score>['items'], results: Results): string[] {
  // Checks the grading host failed under say nothing of the submission: no score is recorded.
  const failed = items.filter((i) => i.verdict === 'error');
  const out = failed.length ? (results.incomplete?.map((f) => f.message) ?? failed.map((i) => `${i.check}: ${i.why}`)) : [];
  // Every check skipped (no engine when it started, say): 0/0 is not a grade either.
  if (!out.length && items.length && items.every((i) => i.verdict === 'skip'))
    out.push(`no check could run on this grading host: ${items[0]!.why}`);
  return out;
}
