// results.json, isolab's contract with its readers (reports, graders, CI): other tools read it.
//
// isolab/results@3 (@2 without `error`; @1 without `differs`): a measured claim answers twice — does the mechanism hold, and does
// the slide's own number or statement hold on this host. The verdict:
//   pass    both hold;
//   differs the mechanism holds, the slide's number does not here (`slide` says what the slide
//           says, what was measured and why they differ) — a footnote for the course, not a bug;
//   fail    the mechanism does not hold;
//   skip    the host cannot run it (`reason` names what is missing);
//   error   the infrastructure stopped under it (the engine stopped answering, the disk filled):
//           the claim could not be judged — `incomplete` says what happened, once for the run.
// A run exits 0 with `differs` verdicts; `fail` (and leaks) exit 1; `error` alone exits 3 (did
// not complete: run it again once the host is whole).
export type Verdict = 'pass' | 'differs' | 'fail' | 'skip' | 'error';
export const SCHEMA = 'isolab/results@3' as const;
export const READABLE_SCHEMAS: readonly string[] = [SCHEMA, 'isolab/results@2', 'isolab/results@1'];

/** Exit codes of a run: every claim judged and none failed; a claim failed or a leak; not complete. */
export const EXIT = { ok: 0, failed: 1, usage: 2, incomplete: 3 } as const;

/** The slide's own number or statement, beside what this host measured. */
export interface SlideAnswer {
  says: string;
  expected: unknown;
  measured: unknown;
  holds: boolean;
  /** why they differ, when they do */
  why?: string;
}

export interface CheckResult {
  name: string;
  /** the scenario file and line it came from (a course's own, or a suite's scenarios folder) */
  source?: string;
  verdict: Verdict;
  reason?: string;
  evidence?: Record<string, unknown>;
  checks?: Array<{ ok: boolean; what: string; expected?: unknown; actual?: unknown }>;
  captured?: Record<string, unknown>;
  slide?: SlideAnswer[];
  durationMs: number;
}

export interface ClaimResult {
  id: string;
  suite: string;
  statement: string;
  verdict: Verdict;
  reason?: string;
  evidence: Record<string, unknown>;
  durationMs: number;
  /** When a claim is checked by several scenarios, each one's own result. */
  scenarios?: CheckResult[];
  checks?: CheckResult['checks'];
  slide?: SlideAnswer[];
  /** for a claim whose lecture text gives no number: says so (the verdict is the mechanism) */
  slideNumber?: string;
  captured?: Record<string, unknown>;
  points?: { earned: number; possible: number };
}

export interface Incomplete {
  kind: string;
  reason: string;
  firstAtS: number;
  claims: string[];
  message: string;
}

export interface Results {
  schema: typeof SCHEMA | 'isolab/results@2' | 'isolab/results@1';
  run: { id: string; startedAt: string; finishedAt: string; argv: string[]; suites?: string[]; version?: string; beside?: string };
  host: Record<string, unknown>;
  claims: ClaimResult[];
  summary: { passed: number; failed: number; skipped: number; differs?: number; errored?: number };
  /** the run did not complete: each infrastructure fault once, when it was first seen, and the claims it stopped */
  incomplete?: Incomplete[];
  leaks?: Array<{ kind: string; item: string; change: string }>;
  /** host changes the leak check saw that are not this run's leaks, each with why */
  notLeaks?: Array<{ kind: string; item: string; change: string; not?: string }>;
  /** set when the leak check could not see the whole host (not root) */
  leakScope?: string;
  errors?: string[];
  bench?: Record<string, unknown>;
  grade?: Record<string, unknown>;
}

/**
 * A claim's verdict from its scenarios': any fail fails; else any error leaves it unjudged; any
 * departure differs; all skipped skips; else pass.
 */
export function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('error')) return 'error';
  if (verdicts.includes('differs')) return 'differs';
  if (verdicts.length && verdicts.every((v) => v === 'skip')) return 'skip';
  return 'pass';
}

export function summarize(claims: ClaimResult[]): Results['summary'] {
  return {
    passed: claims.filter((c) => c.verdict === 'pass').length,
    failed: claims.filter((c) => c.verdict === 'fail').length,
    skipped: claims.filter((c) => c.verdict === 'skip').length,
    differs: claims.filter((c) => c.verdict === 'differs').length,
    errored: claims.filter((c) => c.verdict === 'error').length,
  };
}
