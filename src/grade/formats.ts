// A grade in the formats graders read: Gradescope's results.json, and GitHub Classroom's
// autograding result (the base64 JSON its autograding-grading-reporter decodes per runner:
// { version, status, max_score, tests: [{ name, status, score, message, … }] }).
import type { Scored } from './rubric.js';

export interface Grade {
  rubric: string;
  assignment: string;
  submission: string;
  score: number;
  possible: number;
  items: Scored[];
  refused?: string[];
  /**
   * The grading host failed under some checks (engine gone, disk full): the score is not the
   * submission's and is not recorded anywhere — grade again. Each entry says what happened.
   */
  incomplete?: string[];
  /** what grading changed in the student's files to contain them (a published port removed…) */
  contained?: string[];
}

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

/** GitHub Classroom's runner result, before base64. */
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
