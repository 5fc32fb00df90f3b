import { describe, it, expect } from 'vitest';
import { foldRepeats, toleranceUsed, repeatMarkdown } from '../../src/results/repeat.js';
import type { Results } from '../../src/types/results.js';

const run = (id: string, red: number, verdict = 'pass'): Results => ({
  schema: 'isolab/results@2', run: { id, startedAt: '', finishedAt: '', argv: [] }, host: {}, summary: { passed: 1, failed: 0, skipped: 0 },
  claims: [{
    id: 'cgroups.cpu-weight-split', suite: 'cgroups', statement: '', verdict: verdict as 'pass', evidence: {}, durationMs: 1,
    scenarios: [{ name: 'red 80 / blue 20', verdict: verdict as 'pass', durationMs: 1, checks: [
      { ok: true, what: 'red gets 80.0% ±2 pp', expected: '80.0%', actual: `${red}% (error ${(red - 80).toFixed(2)} pp)` },
      { ok: true, what: 'the group is removed', expected: true, actual: true },
    ] }],
  }],
});

describe('--repeat folding', () => {
  it('reads how much of its tolerance a value used', () => {
    expect(toleranceUsed('red gets 80.0% ±2 pp', '80.0%', '81.0% (error +1.00 pp)')).toEqual({ used: 0.5, tolerance: '±2 pp' });
    expect(toleranceUsed('frozen, it gets no CPU (≤ 0.02)', '≤ 0.02', '0.0050')).toEqual({ used: 0.25, tolerance: '≤ 0.02' });
    expect(toleranceUsed('runs on its own CPU', '≥ 0.85', '0.999')!.used).toBeCloseTo(0.851, 3);
    expect(toleranceUsed('it prints Hallo', 'Hallo', 'Hallo')).toBeNull();
  });
  it('counts passes per scenario and keeps the worst margin', () => {
    const rows = foldRepeats([run('a', 80.4), run('b', 81.5), run('c', 79.0, 'fail')]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ claim: 'cgroups.cpu-weight-split', scenario: 'red 80 / blue 20', runs: 3,
      passed: 2, verdicts: { pass: 2, fail: 1 } });
    const m = rows[0]!.measured[0]!;
    expect(m).toMatchObject({ what: 'red gets 80.0% ±2 pp', min: 79, max: 81.5, median: 80.4, tolerance: '±2 pp' });
    expect(m.worstUsed).toBeCloseTo(0.75, 5);
    expect(repeatMarkdown(rows, 3)).toMatch(/\| 2\/3 \| red gets 80\.0% ±2 pp: 80\.4 \(79–81\.5\) \| 75% of ±2 pp \|/);
  });
});
