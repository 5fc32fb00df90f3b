// The comparison slide, measured: process · container · VM, one row per property, each cell a
// value a claim of this run measured (its evidence's `comparison`). Empty when no vm claim ran.
import type { Results } from '../types/results.js';

export const PLACES = ['process', 'container', 'vm'] as const;
export type ComparisonRow = { property: string; claim: string } & Record<(typeof PLACES)[number], string>;

export function comparisonRows(r: Results): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  for (const c of r.claims) {
    const evs = [c.evidence,
      ...(c.scenarios ?? []).map((s) => s.evidence ?? {})] as Array<{ comparison?: Record<string, Record<string, string>> }>;
    for (const ev of evs) {
      for (const [property, cells] of Object.entries(ev?.comparison ?? {})) {
        if (rows.some((x) => x.property === property)) continue;
        rows.push({ property, claim: c.id, process: cells.process ?? '—', container: cells.container ?? '—', vm: cells.vm ?? '—' });
      }
    }
  }
  return rows;
}
