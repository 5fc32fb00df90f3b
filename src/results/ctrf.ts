// A run in the Common Test Report Format (CTRF, spec 0.0.0): the format course tools read test
// reports in. One test per scenario of a claim (or per claim without scenarios); for a grade, one
// test per rubric item, its points in `extra`. isolab's own verdicts stay in `rawStatus`.
import { randomUUID } from 'node:crypto';
import type { ClaimResult, Results, Verdict } from '../types/results.js';
import type { Grade, Scored } from '../types/grade.js';
import { VERSION } from '../core/version.js';

type Status = 'passed' | 'failed' | 'skipped' | 'pending' | 'other';

interface CtrfTest {
  name: string;
  status: Status;
  duration: number;
  rawStatus: string;
  suite?: string[];
  message?: string;
  filePath?: string;
  extra?: Record<string, unknown>;
}

/** `differs` holds in mechanism (passed); `error` is the host's, not the claim's (other). */
const STATUS: Record<Verdict | Scored['verdict'], Status> = {
  pass: 'passed', differs: 'passed', fail: 'failed', skip: 'skipped', error: 'other', 'not run': 'other', refused: 'failed',
};

function claimTests(c: ClaimResult): CtrfTest[] {
  const one = (name: string, v: Verdict, durationMs: number, reason?: string): CtrfTest => ({
    name, status: STATUS[v], duration: Math.round(durationMs), rawStatus: v, suite: [c.suite],
    ...(reason ? { message: reason } : {}), extra: { claim: c.id, statement: c.statement },
  });
  if (!c.scenarios?.length) return [one(c.id, c.verdict, c.durationMs, c.reason)];
  return c.scenarios.map((s) => one(`${c.id} › ${s.name}`, s.verdict, s.durationMs, s.reason));
}

function gradeTests(g: Grade): CtrfTest[] {
  return g.items.map((i) => ({
    name: i.check,
    // A check that lost points failed, whatever its verdict: the student reads points.
    status: i.verdict === 'skip' || i.verdict === 'error' || i.verdict === 'not run' ? STATUS[i.verdict]
      : i.earned >= i.points ? 'passed' : 'failed',
    duration: Math.round(i.durationMs ?? 0),
    rawStatus: i.verdict,
    ...(i.earned < i.points && (i.why || i.hint) ? { message: [i.hint && `hint: ${i.hint}`, i.why].filter(Boolean).join('\n') } : {}),
    extra: { points: i.points, earned: i.earned },
  }));
}

export function toCtrf(r: Results): Record<string, unknown> {
  const grade = r.grade as Grade | undefined;
  const tests = grade ? gradeTests(grade) : r.claims.flatMap(claimTests);
  const count = (s: Status) => tests.filter((t) => t.status === s).length;
  return {
    reportFormat: 'CTRF',
    specVersion: '0.0.0',
    reportId: randomUUID(),
    timestamp: r.run.finishedAt,
    generatedBy: `isolab ${VERSION}`,
    results: {
      tool: { name: 'isolab', version: VERSION },
      summary: {
        tests: tests.length, passed: count('passed'), failed: count('failed'), skipped: count('skipped'),
        pending: count('pending'), other: count('other'),
        start: Date.parse(r.run.startedAt), stop: Date.parse(r.run.finishedAt),
        ...(grade ? { extra: { assignment: grade.assignment, score: grade.score, possible: grade.possible,
          ...(grade.incomplete ? { incomplete: grade.incomplete } : {}) } } : {}),
      },
      tests,
      environment: { osPlatform: 'linux', ...(typeof r.host.kernel === 'string' ? { osRelease: r.host.kernel } : {}) },
      extra: { run: r.run.id, schema: r.schema },
    },
  };
}
