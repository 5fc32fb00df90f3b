// A grade in the formats graders read: Gradescope's results.json, PrairieLearn's external-grader
// results, and GitHub Classroom's autograding result (the base64 JSON its autograding-grading-
// reporter decodes; Classroom is retired: kept while its actions still run). CTRF and
// the GitHub job summary, which every run writes, are in src/results.

import type { Grade, Scored } from '../types/grade.js';
export type { Grade };

const message = (i: Scored) => [i.why, i.hint && i.earned < i.points ? `hint: ${i.hint}` : ''].filter(Boolean).join('\n');

/** Gradescope autograder results.json: score, and one test per rubric item. */
export function gradescope(g: Grade): Record<string, unknown> {
  return {
    score: g.score,
    output: `${g.assignment}: ${g.score}/${g.possible}${g.refused?.length ? `\nRefused before `
      + `running:\n${g.refused.join('\n')}` : ''}${g.contained?.length ? `\nChanged in your files before running `
      + `(containment):\n${g.contained.join('\n')}` : ''}`,
    tests: g.items.map((i) => ({
      name: i.check,
      score: i.earned,
      // a check this grading host could not run is shown, and worth nothing either way
      max_score: i.verdict === 'skip' ? 0 : i.points,
      status: i.earned >= i.points ? 'passed' : 'failed',
      output: message(i) || 'ok',
      ...(i.durationMs ? { execution_time: i.durationMs / 1000 } : {}),
    })),
  };
}

/**
 * PrairieLearn's external grader results (/grade/results/results.json): score as a fraction, one
 * test per rubric item. A grade the host could not complete is `gradable: false` — PrairieLearn
 * then awards and takes nothing and does not count the attempt.
 */
export function prairielearn(g: Grade): Record<string, unknown> {
  if (g.incomplete?.length)
    return { gradable: false, format_errors: g.incomplete.map((m) => `not graded — the grading host failed: ${m}`) };
  return {
    gradable: true,
    score: g.possible ? Math.round((g.score / g.possible) * 10_000) / 10_000 : 0,
    message: `${g.assignment}: ${g.score}/${g.possible}`,
    output: [...(g.refused?.length ? ['Refused before running:', ...g.refused] : []),
      ...(g.contained?.length ? ['Changed in your files before running (containment):', ...g.contained] : [])].join('\n'),
    tests: g.items.filter((i) => i.verdict !== 'skip').map((i) => ({
      name: i.check,
      points: i.earned,
      max_points: i.points,
      message: message(i) || 'ok',
      ...(i.summary ? { output: i.summary } : {}),
    })),
  };
}

/** GitHub Classroom's runner result, before base64 (Classroom is retired; kept while its actions run). */
export function classroom(g: Grade): Record<string, unknown> {
  const tests = g.items.map((i) => ({
    name: i.check,
    status: i.earned >= i.points || i.verdict === 'skip' ? 'pass' : i.verdict === 'not run' ? 'error' : 'fail',
    score: i.earned,
    // A student whose compose file published a port learns it was removed, beside the compose checks.
    message: [message(i), i.check.startsWith('compose.') && g.contained?.length
      ? `changed before running: ${g.contained.join('; ')}` : ''].filter(Boolean).join('\n'),
    test_code: `isolab ${i.check}`,
    filename: '',
    line_no: 0,
    execution_time: `${((i.durationMs ?? 0) / 1000).toFixed(1)}s`,
  }));
  return {
    version: 1,
    status: tests.some((t) => t.status === 'error') ? 'error' : tests.some((t) => t.status === 'fail') ? 'fail' : 'pass',
    max_score: g.possible,
    tests,
  };
}

export const classroomBase64 = (g: Grade) => Buffer.from(JSON.stringify(classroom(g))).toString('base64');
