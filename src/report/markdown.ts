// report.md: the host, then one row per claim with its verdict and evidence in words.
import type { Results } from '../types/results.js';
import { CLAIMS } from '../claims/catalog.js';
import { explain, departure } from './explain.js';
import { comparisonRows } from './comparison.js';

const icon = { pass: '✅ pass', differs: '🔶 differs', fail: '❌ fail', skip: '⏭ skip', error: '⚠️ error' } as const;

export function toMarkdown(r: Results): string {
  const h = r.host;
  const out: string[] = [];
  out.push(`# isolab report — run ${r.run.id}`, '');
  out.push(`${r.run.startedAt} → ${r.run.finishedAt}`, '');
  out.push(`**${r.summary.passed} passed, ${r.summary.differs ?? 0} differ from the slide, ${r.summary.failed} `
    + `failed, ${r.summary.skipped} skipped${r.summary.errored ? `, ${r.summary.errored} could not run` : ''}**`
    + (r.leaks ? (r.leaks.length ? ` — ❌ ${r.leaks.length} leaks` : ' — leak check clean') : ''), '');
  for (const f of r.incomplete ?? []) out.push(`> ⚠️ **The run did not complete:** ${f.message}`, '');
  out.push('## Host', '', '| kernel | arch | cpus | cgroup | docker | compose | builder | registry | kvm |',
    '|---|---|---|---|---|---|---|---|---|');
  out.push(`| ${h.kernel} | ${h.arch} | ${h.cpus} | ${h.cgroup} | ${h.docker ?? '—'} | ${h.compose ?? '—'} `
    + `| ${h.builder ?? '—'} | ${h.registry} | ${h.kvm} |`, '');
  out.push('## Claims', '', '| claim | the lecture says | verdict | evidence |', '|---|---|---|---|');
  const byId = new Map(r.claims.map((c) => [c.id, c]));
  for (const def of CLAIMS) {
    const c = byId.get(def.id);
    if (!c) {
      out.push(`| \`${def.id}\` | ${def.statement} | not run | |`);
      continue;
    }
    const words = c.verdict === 'pass' ? explain(c) : c.verdict === 'differs' ? `${departure(c)}\n${explain(c)}` : `${c.reason ?? ''}`;
    out.push(`| \`${c.id}\` | ${c.statement} | ${icon[c.verdict]} | ${words.replace(/\n/g, '<br>').replace(/\|/g, '\\|')} |`);
  }
  out.push('', '_Verdicts: **pass** — the mechanism and the slide\'s number both hold here; **differs** — the '
    + 'mechanism holds but the slide\'s number does not on this host (the row says by how much and why); **fail** — '
    + 'the mechanism does not hold; **skip** — this host cannot run it; **error** — the infrastructure stopped '
    + 'under it (engine gone, disk full): not judged, run again._');
  const rows = comparisonRows(r);
  if (rows.length) {
    out.push('', '## Process · container · VM (measured in this run)', '', '| property | process | container | VM |', '|---|---|---|---|');
    const cell = (s: string) => s.replace(/\|/g, '\\|');
    for (const x of rows) out.push(`| ${x.property} (\`${x.claim}\`) | ${cell(x.process)} | ${cell(x.container)} | ${cell(x.vm)} |`);
  }
  if (r.leaks?.length) {
    out.push('', '## Leaks', '');
    for (const l of r.leaks) out.push(`- ${l.change} ${l.kind}: \`${l.item}\``);
  }
  return out.join('\n') + '\n';
}
