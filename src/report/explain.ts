// Evidence in words a student understands. Each suite's evidence has a short sentence form;
// anything without one is summarized from its checks.
import type { ClaimResult } from '../types/results.js';

/** Where the slide's number departs on this host, in one line per departure. */
export function departure(c: Pick<ClaimResult, 'slide' | 'scenarios'>): string {
  const all = [...(c.slide ?? []), ...(c.scenarios ?? []).flatMap((s) => s.slide ?? [])].filter((s) => !s.holds);
  return all.map((s) => `slide: ${s.says} · here: ${typeof s.measured === 'string' ? s.measured : JSON.stringify(s.measured)}${s.why ? ` — ${s.why}` : ''}`).join('\n');
}

export function explain(c: ClaimResult): string {
  const ev = c.evidence as Record<string, unknown>;
  if (typeof ev.summary === 'string') return ev.summary;
  if (c.scenarios) return c.scenarios.map((s) => `${s.name}: ${(s.evidence as { summary?: string })?.summary ?? s.verdict}`).join('\n');
  const checks = c.checks ?? [];
  if (checks.length) return `${checks.filter((k) => k.ok).length}/${checks.length} checks held: ${checks.map((k) => k.what).join('; ')}`;
  return '';
}
