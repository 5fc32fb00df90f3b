// `isolab grade <dir>`: a submission graded (src/grade/submission.ts), the grade printed — on the
// terminal, or as JSON alone on stdout — and written in the formats asked for.
import { stat, writeFile, copyFile, access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isCourseFile, loadCourse, COURSE_TEMPLATE } from '../../grade/course.js';
import { describeReady } from '../../grade/service/runtime.js';
import { gradeSubmission, gradingPlan, DEFAULT_RUBRIC } from '../../grade/submission.js';
import { PARTS, partOf } from '../../grade/assignment.js';
import { LECTURE_ASSIGNMENT } from '../../grade/assignment.js';
import { describe } from '../../grade/untrusted.js';
import { gradescope, classroomBase64, prairielearn } from '../../grade/formats.js';
import { toGithub } from '../../results/github.js';
import type { score } from '../../grade/rubric.js';
import { EXIT } from '../../types/results.js';
import { ok, bad, dim } from '../ui.js';
import { setting } from '../../core/settings.js';

export { DEFAULT_RUBRIC };

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

export async function gradeCommand(dir: string, o: GradeOptions): Promise<number> {
  // --json: stdout is the grade's JSON alone; the run's progress and report lines go to stderr.
  const g = await gradeSubmission(dir, { assignment: o.assignment, rubric: o.rubric, progressToStderr: o.json });
  if ('error' in g) {
    err(g.error);
    return g.code;
  }
  const { grade, results, runDir, incomplete } = g;
  // PrairieLearn is told a grade the host failed under is not gradable; the others get no file.
  const formats = new Set((o.format ?? []).filter((f) => !incomplete.length || f === 'prairielearn'));
  await writeFormats(grade, runDir, formats, o.out);
  await toGithub(results, g.annotations, o.json ? process.stderr : process.stdout);
  if (o.json) process.stdout.write(JSON.stringify(grade, null, 2) + '\n');
  else if (!o.quiet) printGrade({ name: g.title, dir, runDir, findings: g.findings, contained: g.contained, standIns: g.standIns ?? [], items: g.items, formats });
  if (results.leaks?.length) process.stderr.write(bad(`the grading run left ${results.leaks.length} thing(s) behind (see above)\n`));
  if (incomplete.length) {
    process.stderr.write(`isolab grade: the grade is incomplete — ${incomplete.join('; ')}. No score was `
      + `recorded${o.format?.length ? ` (no ${o.format.join(', ')} file written)` : ''}; grade this submission `
      + `again once the host is whole.\n`);
    if (!o.json) process.stdout.write('score: incomplete\n');
    return EXIT.incomplete;
  }
  // --json: stdout is the grade's JSON and nothing else.
  if (!o.json) process.stdout.write(`score: ${grade.score}/${grade.possible}\n`);
  return results.leaks?.length || results.errors?.length ? EXIT.failed : EXIT.ok;
}

/** A format's file in the run folder. */
const FORMAT_FILE: Record<string, string> = { gradescope: 'gradescope.json', prairielearn: 'prairielearn.json',
  classroom: 'classroom.b64', junit: 'junit.xml' };

/** The formats' files beside the run's results (and Gradescope's and PrairieLearn's where they read them). */
async function writeFormats(grade: Parameters<typeof gradescope>[0], runDir: string, formats: Set<string>, out?: string): Promise<void> {
  const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';
  // Where each grader reads its file: --out (Gradescope), or its own tree when this runs inside it.
  const graders = [['gradescope', 'Gradescope', gradescope, out ?? (await readsAt('autograderRoot', '/autograder'))],
    ['prairielearn', 'PrairieLearn', prairielearn, await readsAt('prairielearnRoot', '/grade')]] as const;
  for (const [f, name, fn, target] of graders) {
    if (!formats.has(f)) continue;
    const text = json(fn(grade));
    await writeFile(path.join(runDir, FORMAT_FILE[f]!), text);
    if (!target) continue;
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
    process.stderr.write(`isolab grade: ${name}'s results written to ${target}\n`);
  }
  if (formats.has('classroom')) await writeFile(path.join(runDir, 'classroom.b64'), classroomBase64(grade) + '\n');
}

/** The grade on the terminal: what was refused and changed, each item with its hint. */
function printGrade(g: { name: string; dir: string; runDir: string; findings: Parameters<typeof describe>[0][];
  contained: string[]; standIns: string[]; items: ReturnType<typeof score>['items']; formats: Set<string> }): void {
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
  if (g.standIns.length) {
    process.stdout.write(dim('built from stand-ins for base images (this host reaches no registry):\n'));
    for (const c of g.standIns) process.stdout.write(dim(`  ${c}\n`));
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
    + `junit.xml, ctrf.json, report.html${[...formats].filter((f) => f !== 'junit').map((f) => `, ${FORMAT_FILE[f]}`).join('')})\n`);
}

/** A grader's results file when this runs inside it (its folder exists; the setting: a test's fake tree). */
async function readsAt(name: 'autograderRoot' | 'prairielearnRoot', fallback: string): Promise<string | null> {
  const root = setting(name) ?? fallback;
  return (await stat(root).then((x) => x.isDirectory(), () => false)) ? path.join(root, 'results', 'results.json') : null;
}

/** `isolab grade --init [dir]`: a commented assignment and a rubric to start a course's own from. */
export async function gradeInit(dir = '.', o: { force?: boolean } = {}): Promise<number> {
  const targets = [[COURSE_TEMPLATE, 'assignment.yaml'], [LECTURE_ASSIGNMENT, 'lecture.assignment.yaml'],
    [DEFAULT_RUBRIC, 'rubric.json']] as const;
  for (const [, name] of targets) {
    if (!o.force && (await access(path.join(dir, name)).then(() => true, () => false))) {
      err(`${path.join(dir, name)} exists; not overwriting it (remove it, pass another folder, or --force)`);
      return 2;
    }
  }
  await mkdir(dir, { recursive: true });
  for (const [from, name] of targets) await copyFile(from, path.join(dir, name));
  process.stdout.write(`wrote ${path.join(dir, 'assignment.yaml')} (every kind of check, commented: edit it into your course's)`
    + `\n  and the lecture's own shape: ${path.join(dir, 'lecture.assignment.yaml')} and ${path.join(dir, 'rubric.json')}\n`
    + `then: npx isolab grade --explain ${path.join(dir, 'assignment.yaml')}\n`
    + `      sudo npx isolab grade <submission> --assignment ${path.join(dir, 'assignment.yaml')}\n`);
  return 0;
}

/** `isolab grade --explain`: what a grade checks, for how many points, in the course's words. Runs nothing. */
export async function explainGrading(o: { assignment?: string; rubric?: string }): Promise<number> {
  if (o.assignment && isCourseFile(path.resolve(o.assignment))) return explainCourse(o.assignment, o.rubric);
  const plan = await gradingPlan(o);
  if ('error' in plan) {
    err(plan.error);
    return plan.code;
  }
  const { assignment: a, rubric } = plan;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`${a.name} — ${o.assignment ?? 'the lecture\'s assignment'}${o.rubric ? `, scored by ${o.rubric}` : ''}`);
  for (const part of a.declared) {
    const items = rubric.checks.filter((c) => partOf(c.check) === part);
    out(`\n${part} — the submission's ${a[part].dir === '.' ? 'root' : `${a[part].dir}/`} (${a[part].files.join(', ')}): `
      + `${items.reduce((n, c) => n + c.points, 0)} points`);
    for (const c of items) out(`  ${String(c.points).padStart(3)}  ${c.check}${c.partial ? ' (partial credit)' : ''}\n       ${c.hint}`);
  }
  const other = rubric.checks.filter((c) => !partOf(c.check));
  if (other.length) {
    out('\nchecks of no part:');
    for (const c of other) out(`  ${String(c.points).padStart(3)}  ${c.check}\n       ${c.hint}`);
  }
  const left = PARTS.filter((p) => !a.declared.includes(p));
  if (left.length) out(`\nnot graded (the assignment leaves them out): ${left.join(', ')}`);
  const l = a.limits;
  out(`\nin all ${rubric.checks.reduce((n, c) => n + c.points, 0)} points. Each container: ${l.memoryMb} MB, ${l.pids} pids, `
    + `${l.cpus} CPU; a build: ${l.buildSeconds} s, no network, writes and image at most ${l.imageMb} MB; compose up: `
    + `${l.upSeconds} s; output kept: ${l.outputKb} KB.`);
  return 0;
}

/** --explain for a course's assignment in the vocabulary: each part, how it runs, each check's points and hint. */
function explainCourse(file: string, rubric?: string): number {
  if (rubric) {
    err(`${file} carries its own points and hints: --rubric goes with the lecture's shape only`);
    return 2;
  }
  let a;
  try {
    a = loadCourse(path.resolve(file));
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`${a.name} — ${file}`);
  for (const p of a.parts) {
    const how = p.lecture ? `the lecture's ${p.lecture.part} part, checked by its claims` : p.compose ? `compose project ${p.compose.file ?? 'docker-compose.yml'}` : p.image
      ? `image from ${p.image.dockerfile ?? 'Dockerfile'}${p.image.port ? `, reached as ${p.image.service ?? p.name}:${p.image.port}` : ''}` : 'files';
    out(`\n${p.name} — the submission's ${p.dir === '.' ? 'root' : `${p.dir}/`} (${how}): ${p.checks.reduce((n, c) => n + c.points, 0)} points`);
    if (p.image || p.compose) out(`  ready when: ${describeReady(p.ready, p)}, within ${p.ready?.within ?? a.limits.upSeconds} s`);
    for (const c of p.checks)
      out(`  ${String(c.points).padStart(3)}  ${c.id} (${c.kind.name}: ${c.title})${c.partial ? ' (partial credit)' : ''}\n       ${c.hint}`);
  }
  const l = a.limits;
  out(`\nin all ${a.parts.reduce((n, p) => n + p.checks.reduce((m, c) => m + c.points, 0), 0)} points. Each container: ${l.memoryMb} MB, `
    + `${l.pids} pids, ${l.cpus} CPU, no network beyond its project, nothing published on the host; a build: ${l.buildSeconds} s, `
    + `RUN steps ${a.build.network === 'open' ? 'with network (open)' : a.build.network === 'registries' ? `reaching ${a.build.registries.length} registries only` : 'without network'}, writes at most ${l.imageMb} MB; `
    + `up and ready: ${l.upSeconds} s; output kept: ${l.outputKb} KB.`);
  return 0;
}
