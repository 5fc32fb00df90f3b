// results.json, the contract of DESIGN.md (schema isolab/results@1). Other tools read it.
export type Verdict = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  verdict: Verdict;
  reason?: string;
  evidence?: Record<string, unknown>;
  checks?: Array<{ ok: boolean; what: string; expected?: unknown; actual?: unknown }>;
  captured?: Record<string, unknown>;
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
  captured?: Record<string, unknown>;
  points?: { earned: number; possible: number };
}

export interface Results {
  schema: 'isolab/results@1';
  run: { id: string; startedAt: string; finishedAt: string; argv: string[]; suites?: string[] };
  host: Record<string, unknown>;
  claims: ClaimResult[];
  summary: { passed: number; failed: number; skipped: number };
  leaks?: Array<{ kind: string; item: string; change: string }>;
  /** host changes the leak check saw that are not this run's leaks, each with why */
  notLeaks?: Array<{ kind: string; item: string; change: string; not?: string }>;
  /** set when the leak check could not see the whole host (not root) */
  leakScope?: string;
  errors?: string[];
  bench?: Record<string, unknown>;
  grade?: Record<string, unknown>;
}

/** A claim's verdict from its scenarios': any fail fails; all skipped skips; else pass. */
export function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.length && verdicts.every((v) => v === 'skip')) return 'skip';
  return 'pass';
}

export function summarize(claims: ClaimResult[]): Results['summary'] {
  return {
    passed: claims.filter((c) => c.verdict === 'pass').length,
    failed: claims.filter((c) => c.verdict === 'fail').length,
    skipped: claims.filter((c) => c.verdict === 'skip').length,
  };
}
