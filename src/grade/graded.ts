// What grading a submission gives: a grade with what the terminal shows beside it, or why there
// is none (the exit code). Both paths — the lecture's shape and a course's parts — return it.
import type { Grade, Scored } from '../types/grade.js';
import type { Results } from '../types/results.js';
import type { Finding } from './untrusted.js';
import type { Annotation } from '../results/github.js';

/** A grade, with what the terminal shows beside it; or why there is none (exit code 1 or 2). */
export type Graded =
  | { grade: Grade; results: Results; runDir: string; findings: Finding[]; contained: string[];
    /** base images that were the host's offline stand-ins */
    standIns?: string[];
    items: Scored[]; incomplete: string[]; annotations: Annotation[];
    /** what the grade is titled: the assignment's name */
    title: string }
  | { error: string; code: number };
