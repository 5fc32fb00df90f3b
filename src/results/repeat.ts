// The flake rate as a number: N results.json of the same claims, folded into per-claim pass
// counts and, for every measured check, the spread of its value and how much of its tolerance
// the worst run used (the margin left is what a reader wants to see).
import type { ClaimResult, Results } from '../types/results.js';

export interface Measured {
  what: string;
  values: number[];
  median: number;
  min: number;
  max: number;
  /** the share of the tolerance the worst run used (1 = on the edge), when the check states one */
  worstUsed: number | null;
  tolerance: string | null;
}

export interface RepeatRow {
  claim: string;
  scenario: string | null;
  runs: number;
  passed: number;
  verdicts: Record<string, number>;
  measured: Measured[];
}

const num = (v: unknown): number | null => {
  const m = /-?\d+(?:\.\d+)?/.exec(typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '');
  return m ? Number(m[0]) : null;
};

/**
 * How much of its tolerance a check's value used: "X% ±T pp" → |value − X| / T; "≤ X" →
 * value / X; "≥ X" → X / value. null when the check states no tolerance.
 */
export function toleranceUsed(what: string, expected: unknown, actual: unknown): { used: number; tolerance: string } | null {
  const v = num(actual);
  if (v === null) return null;
  const pp = /([\d.]+)%.*±([\d.]+) pp/.exec(what);
  if (pp) return { used: Math.abs(v - Number(pp[1])) / Number(pp[2]), tolerance: `±${pp[2]} pp` };
  const e = typeof expected === 'string' ? expected : '';
  // A count against a count (≥ 1 packet, ≤ 8 processes) is a threshold, not a tolerance.
  if (Number.isInteger(v) && /^[≤≥]\s*\d+(\s|$)/.test(e)) return null;
  const le = /^≤\s*(-?[\d.]+)/.exec(e);
  if (le && Number(le[1]) > 0) return { used: v / Number(le[1]), tolerance: e };
  const ge = /^≥\s*(-?[\d.]+)/.exec(e);
  if (ge && v > 0) return { used: Number(ge[1]) / v, tolerance: e };
  return null;
}

type Checks = NonNullable<ClaimResult['checks']>;

export function foldRepeats(runs: Results[]): RepeatRow[] {
  const rows = new Map<string, RepeatRow & { perCheck: Map<string, { values: number[]; used: number[]; tolerance: string | null }> }>();
  for (const r of runs) {
    for (const c of r.claims) {
      const parts: Array<{ scenario: string | null; verdict: string; checks?: Checks }> = c.scenarios?.length
        ? c.scenarios.map((s) => ({ scenario: s.name, verdict: s.verdict, checks: s.checks }))
        : [{ scenario: null, verdict: c.verdict, checks: c.checks }];
      for (const p of parts) {
        const key = `${c.id}\u0000${p.scenario ?? ''}`;
        const row = rows.get(key)
          ?? { claim: c.id, scenario: p.scenario, runs: 0, passed: 0, verdicts: {} as Record<string, number>,
          measured: [], perCheck: new Map() };
        row.runs++;
        if (p.verdict === 'pass' || p.verdict === 'differs') row.passed++;
        row.verdicts[p.verdict] = (row.verdicts[p.verdict] ?? 0) + 1;
        for (const k of p.checks ?? []) {
          const v = num(k.actual);
          if (v === null || typeof k.actual === 'boolean') continue;
          const m = row.perCheck.get(k.what) ?? { values: [], used: [], tolerance: null };
          m.values.push(v);
          const t = toleranceUsed(k.what, k.expected, k.actual);
          if (t) {
            m.used.push(t.used);
            m.tolerance = t.tolerance;
          }
          row.perCheck.set(k.what, m);
        }
        rows.set(key, row);
      }
    }
  }
  return [...rows.values()].map(({ perCheck, ...row }) => ({
    ...row,
    measured: [...perCheck.entries()].filter(([, m]) => m.used.length || new Set(m.values).size > 1).map(([what, m]) => {
      const s = [...m.values].sort((a, b) => a - b);
      return { what, values: m.values, median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]!,
        worstUsed: m.used.length ? Math.max(...m.used) : null, tolerance: m.tolerance };
    }),
  }));
}

export function repeatMarkdown(rows: RepeatRow[], n: number): string {
  const out = [`# isolab run --repeat ${n}`, '',
    '| claim | passed | measured (median, min–max) | tolerance used by the worst run |', '|---|---|---|---|'];
  for (const r of rows) {
    const name = r.scenario ? `\`${r.claim}\` › ${r.scenario}` : `\`${r.claim}\``;
    const skipped = [r.verdicts.skip ? `${r.verdicts.skip} skipped` : '',
      r.verdicts.error ? `${r.verdicts.error} could not run` : ''].filter(Boolean).join(', ');
    const m = r.measured.filter((x) => x.worstUsed !== null);
    const cells = m.length ? m.map((x) => `${x.what}: ${x.median} (${x.min}–${x.max})`).join('<br>') : '—';
    const used = m.length ? m.map((x) => `${Math.round(x.worstUsed! * 100)}% of ${x.tolerance}`).join('<br>') : '—';
    out.push(`| ${name} | ${r.passed}/${r.runs}${skipped ? ` (${skipped})` : ''} | ${cells} | ${used} |`);
  }
  return out.join('\n') + '\n';
}
