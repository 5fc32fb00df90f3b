// A grade, as graders' formats and the results read it (src/grade scores it). Imports nothing.

export interface Scored {
  check: string;
  points: number;
  earned: number;
  verdict: 'pass' | 'differs' | 'fail' | 'skip' | 'error' | 'not run' | 'refused';
  hint?: string;
  why?: string;
  /** the check's evidence in one sentence (what it saw) */
  summary?: string;
  durationMs?: number;
}

export interface Grade {
  rubric: string;
  assignment: string;
  /** the parts of the assignment that were graded (the ones it declares) */
  parts?: string[];
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
  /** base images that were the grading host's offline stand-ins (no registry answered it) */
  standIns?: string[];
}
