import { describe, it, expect } from 'vitest';
import { validateRubric, score, type Rubric } from '../../src/grade/rubric.js';
import type { ClaimResult } from '../../src/results/schema.js';

const rubric: Rubric = {
  name: 'r',
  checks: [
    { check: 'image.layers', points: 2, hint: 'h1', partial: true },
    { check: 'compose.service-dns › as written (sleep 3)', points: 2, hint: 'h2' },
    { check: 'compose.teardown', points: 1, hint: 'h3' },
  ],
};
const claim = (id: string, verdict: ClaimResult['verdict'], extra: Partial<ClaimResult> = {}): ClaimResult => ({ id, suite: 'compose', statement: '', verdict, evidence: {}, durationMs: 1, ...extra });

describe('rubric', () => {
  it('names each wrong field', () => {
    expect(() => validateRubric({ name: '', checks: [{ check: 'image.nope', points: 0 }] }, 'r.json')).toThrow(
      /invalid rubric r.json: name: a non-empty string is required; checks\[0\]\.check: unknown claim "image.nope"; checks\[0\]\.points: a number > 0 is required; checks\[0\]\.hint: a hint/,
    );
  });
  it('scores pass, partial credit, scenarios, and checks that did not run', () => {
    const s = score(rubric, [
      claim('image.layers', 'fail', { reason: 'x', checks: [{ ok: true, what: 'a' }, { ok: true, what: 'b' }, { ok: true, what: 'c' }, { ok: false, what: 'd' }] }),
      claim('compose.service-dns', 'fail', { scenarios: [{ name: 'as written (sleep 3)', verdict: 'pass', durationMs: 1 }, { name: 'other', verdict: 'fail', durationMs: 1 }] }),
    ]);
    expect(s.items.map((i) => [i.check, i.earned, i.verdict])).toEqual([
      ['image.layers', 1.5, 'fail'],
      ['compose.service-dns › as written (sleep 3)', 2, 'pass'],
      ['compose.teardown', 0, 'not run'],
    ]);
    expect(s.items[0]!.hint).toBe('h1');
    expect(s.items[1]!.hint).toBeUndefined();
    expect([s.earned, s.possible]).toEqual([3.5, 5]);
  });
});
