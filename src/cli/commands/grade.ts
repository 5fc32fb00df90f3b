// The `isolab grade` command line: one submission, a batch of them, merging shards, or --init.
import path from 'node:path';
import { gradeCommand, gradeInit, explainGrading, DEFAULT_RUBRIC } from './grade-output.js';
import { gradeBatch, mergeCsv } from '../../grade/batch.js';
import { loadRubric } from '../../grade/rubric.js';
import { loadAssignment } from '../../grade/assignment.js';
import { isCourseFile, loadCourse } from '../../grade/course.js';
import { courseRubric } from '../../grade/course-grade.js';
import { engineName } from '../../core/engine-name.js';
import { EXIT } from '../../types/results.js';

export interface GradeCliOptions {
  assignment?: string;
  rubric?: string;
  format?: string[];
  json?: boolean;
  init?: string | boolean;
  explain?: string | boolean;
  force?: boolean;
  batch?: boolean;
  shard?: string;
  out?: string;
  merge?: string[];
}

const FORMATS = ['gradescope', 'prairielearn', 'classroom', 'junit', 'ctrf'];
const fail = (s: string) => (process.stderr.write(`isolab grade: ${s}\n`), 2);

export async function gradeCli(dir: string | undefined, o: GradeCliOptions): Promise<number> {
  const badFormat = (o.format ?? []).filter((f) => !FORMATS.includes(f));
  if (badFormat.length) return fail(`unknown --format ${badFormat.join(', ')}; formats: ${FORMATS.join(', ')} `
    + `(junit.xml and ctrf.json are always written)`);
  if (o.init !== undefined) return gradeInit(typeof o.init === 'string' ? o.init : dir ?? '.', { force: o.force });
  if (o.explain !== undefined)
    return explainGrading({ assignment: typeof o.explain === 'string' ? o.explain : o.assignment, rubric: o.rubric });
  if (o.merge) {
    if (!o.out) return fail('--merge needs --out <dir> for the merged grades.csv');
    try {
      const n = await mergeCsv(o.merge, path.join(o.out, 'grades.csv'));
      process.stdout.write(`merged ${n} student(s) into ${path.join(o.out, 'grades.csv')}\n`);
      return 0;
    } catch (e) {
      return fail((e as Error).message);
    }
  }
  // Grading contains a student's compose project with rules tried under docker compose only. Under
  // podman-compose (trixie guest, podman 5.4.2) the contained sample lost the compose points (its
  // client never reached the server) and its containers, podman0 and images were left behind.
  let engine;
  try {
    engine = engineName();
  } catch (e) {
    return fail((e as Error).message);
  }
  if (engine === 'podman')
    return fail('grading runs under docker only: a contained compose project does not work under podman-compose and '
    + 'leaves containers behind — unset ISOLAB_ENGINE');
  if (!dir) return fail('which submission? pass a folder (or --batch <folder of submissions>, --init, --merge)');
  if (o.shard && !o.batch) return fail('--shard goes with --batch');
  if (o.out && !o.batch && !o.format?.includes('gradescope'))
    return fail('--out goes with --batch, --merge, or --format gradescope (the results file)');
  if (!o.batch) return gradeCommand(dir, o);
  try {
    // A bad file fails once, not per student. A course's assignment carries its own points (its rubric).
    const course = o.assignment && isCourseFile(path.resolve(o.assignment)) ? loadCourse(path.resolve(o.assignment)) : null;
    if (course && o.rubric) return fail(`${o.assignment} carries its own points and hints: --rubric goes with the lecture's shape only`);
    if (o.assignment && !course) loadAssignment(path.resolve(o.assignment));
    const rubric = course ? courseRubric(course) : await loadRubric(path.resolve(o.rubric ?? DEFAULT_RUBRIC));
    const out = path.resolve(o.out ?? path.join('reports', `batch-${path.basename(path.resolve(dir))}`));
    const r = await gradeBatch(path.resolve(dir), {
      rubric, out, shard: o.shard, format: o.format,
      ...(o.assignment ? { assignment: path.resolve(o.assignment) } : {}), ...(o.rubric ? { rubricFile: path.resolve(o.rubric) } : {}),
    });
    process.stdout.write(`graded ${r.graded}, already graded ${r.skipped}, errors ${r.errors}${r.incomplete ? `, `
      + `incomplete ${r.incomplete} (run --batch again to grade them)` : ''}: ${r.csv}\n`);
    return r.errors ? 1 : r.incomplete ? EXIT.incomplete : 0;
  } catch (e) {
    return fail((e as Error).message);
  }
}
