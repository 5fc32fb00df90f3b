// report.html: self-contained (inline CSS and SVG, no external assets). The host, a summary,
// one row per claim of the catalog (docs/claims.md) with its verdict and evidence in words, details on demand
// (checks, measurements, what was captured on failure), topology drawings, the bench.
import type { ClaimResult, Results } from '../types/results.js';
import { CLAIMS } from '../claims/catalog.js';
import { explain, departure } from './explain.js';
import { ladderSvg } from './ladder-chart.js';
import { topologySvg } from './topology-svg.js';
import { comparisonRows } from './comparison.js';
import type { LadderRow } from '../types/bench.js';
import type { Topology } from '../types/topology.js';

const esc = (s: unknown) => String(s ?? '').replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const pill = (v: string) =>
  `<span class="pill ${v}">${v === 'pass' ? '✓ pass' : v === 'fail' ? '✗ fail' : v === 'skip' ? '– '
  + 'skip' : v === 'differs' ? '≠ differs' : v === 'error' ? '⚠ error' : esc(v)}</span>`;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1f2a3a;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:20px}header .sub{opacity:.8;font-size:13px}
main{padding:18px 28px;max-width:1280px}section{background:#fff;border:1px solid `
  + `#e3e6eb;border-radius:8px;padding:14px 18px;margin:0 0 18px}
h2{font-size:16px;margin:0 0 10px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px `
  + `8px;border-bottom:1px solid #eef0f3;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:#5b6677}code{font:12px ui-monospace,"DejaVu `
  + `Sans Mono",monospace;background:#f1f3f6;padding:1px 4px;border-radius:4px}
.pill{display:inline-block;padding:1px `
  + `8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}.pass{background:#e3f4e6;`
  + `color:#1e6b2f}.fail{background:#fde3e1;color:#9b1c12}.skip{background:#eceff3;color:#4d5766}`
  + `.differs{background:#fff1d6;color:#8a5300}.error{background:#f3e3f7;color:#6a1b7a}`
  + `.incomplete{background:#f3e3f7;color:#6a1b7a;border-radius:6px;padding:8px `
  + `12px;font-weight:600}.departs{color:#8a5300;font-weight:600}.notrun{background:#fff;color:#8a93a0;border:1px dashed #c9ced6}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{flex:1;min-width:120px;border-radius:8px;padding:10px `
  + `14px;border:1px solid #e3e6eb}.card b{font-size:22px;display:block}
details{margin-top:4px}summary{cursor:pointer;color:#3d5a80;font-size:12px}pre{white-space:pre-wrap;`
  + `word-break:break-word;font:12px ui-monospace,"DejaVu Sans Mono",monospace;background:#f7f8fa;border:1px solid `
  + `#eceef1;padding:8px;border-radius:6px;max-height:360px;overflow:auto}
.checks td{font-size:12px;padding:3px `
  + `6px}.ok{color:#1e6b2f}.no{color:#9b1c12;font-weight:600}.why{color:#5b6677;font-size:13px}`
  + `.evidence{max-width:560px;overflow-wrap:anywhere}.svg{overflow-x:auto}
`;

function checksTable(checks: NonNullable<ClaimResult['checks']>): string {
  return `<table class="checks">${checks.map((c) => `<tr><td class="${c.ok ? 'ok' : 'no'}">${c.ok ? '✓' : '✗'}</td><td>${esc(c.what)}</td><td><code>${esc(typeof c.actual === 'string' ? c.actual : JSON.stringify(c.actual))}</code></td></tr>`).join('')}</table>`;
}

function details(c: ClaimResult): string {
  const blocks: string[] = [];
  const scen = c.scenarios ?? [];
  if (c.checks?.length) blocks.push(checksTable(c.checks));
  for (const s of scen) {
    blocks.push(`<div><b>${esc(s.name)}</b>${s.source ? ` <span `
      + `class="why">(${esc(s.source)})</span>` : ''} ${pill(s.verdict)}${s.reason && s.verdict !== 'pass' ? ` `
      + `<span class="why">${esc(s.reason)}</span>` : ''}${s.checks?.length ? checksTable(s.checks) : ''}</div>`);
    if (s.captured) blocks.push(`<div>captured on failure:<pre>${esc(JSON.stringify(s.captured, null, 2))}</pre></div>`);
  }
  if (c.captured) blocks.push(`<div>captured on failure:<pre>${esc(JSON.stringify(c.captured, null, 2))}</pre></div>`);
  const { topologies: _t, ...rest } = c.evidence as Record<string, unknown>;
  blocks.push(`<pre>${esc(JSON.stringify(rest, null, 2))}</pre>`);
  return `<details><summary>checks and evidence</summary>${blocks.join('')}</details>`;
}

/** "What is the difference of VM / Container?" — the places side by side, as measured. */
function comparison(r: Results): string {
  const rows = comparisonRows(r);
  if (!rows.length) return '';
  return `<section><h2>Process · container · VM (measured in this `
    + `run)</h2><table><tr><th>property</th><th>process</th><th>container</th><th>VM</th>`
    + `</tr>${rows.map((x) => `<tr><td>${esc(x.property)}<div class="why"><code>${esc(x.claim)}</code></div></td><td>${esc(x.process)}</td><td>${esc(x.container)}</td><td>${esc(x.vm)}</td></tr>`).join('')}</table></section>`;
}

function topologies(r: Results): string {
  const all = new Map<string, Topology>();
  for (const c of r.claims) {
    const ev = [c.evidence, ...(c.scenarios ?? []).map((s) => s.evidence ?? {})] as Array<{ topologies?: Record<string, Topology> }>;
    for (const e of ev) for (const [k, t] of Object.entries(e?.topologies ?? {})) all.set(k, t);
  }
  if (!all.size) return '';
  return `<section><h2>Network topologies (netns `
    + `suite)</h2>${[...all.values()].map((t) => `<div class="svg">${topologySvg(t)}</div>`).join('')}</section>`;
}

function bench(r: Results): string {
  const b = r.bench as { ladder?: LadderRow[]; sizes?: Record<string, unknown>;
    primitives?: Record<string, { op: string; meanMs: number; p99Ms: number; samples: number }> } | undefined;
  if (!b) return '';
  const out: string[] = [];
  if (b.ladder) {
    const rows = b.ladder.map((x) =>
      `<tr><td>${esc(x.rung)}${x.accelerator ? ` `
      + `<code>${esc(x.accelerator)}</code>` : ''}</td><td><code>${esc(x.command)}</code></td>${x.meanMs === undefined ? `<td colspan="6" class="why">${esc(x.skipped ? `skipped: ${x.skipped}` : `error: ${x.error}`)}</td>` : `<td>${x.meanMs.toFixed(2)}</td><td>${x.p50Ms?.toFixed(2)}</td><td>${x.p99Ms?.toFixed(2)}</td><td>±${x.rme?.toFixed(1)}%</td><td>${x.samples}</td><td>${x.ratioToFloor?.toFixed(1) ?? ''}×</td>`}<td>${x.hyperfine && 'meanMs' in x.hyperfine ? `p50 ${x.hyperfine.p50Ms.toFixed(2)} ms (Δ ${(x.hyperfine.agreement * 100).toFixed(0)}%)${x.hyperfine.explanation ? `<div class="why">${esc(x.hyperfine.explanation)}</div>` : ''}` : esc(x.hyperfine && 'skipped' in x.hyperfine ? x.hyperfine.skipped : '')}</td></tr>`);
    out.push(`<h2>Startup ladder</h2><div `
      + `class="svg">${ladderSvg(b.ladder)}</div><table><tr><th>rung</th><th>command</th><th>mean `
      + `ms</th><th>p50</th><th>p99</th><th>rme</th><th>n</th><th>× floor</th><th>hyperfine</th></tr>${rows.join('')}</table>`);
  }
  if (b.primitives) out.push(`<h2>Primitive costs</h2><table><tr><th>primitive</th><th>operation</th><th>mean `
    + `ms</th><th>p99</th><th>n</th>`
    + `</tr>${Object.entries(b.primitives).map(([k, v]) => `<tr><td>${esc(k)}</td><td><code>${esc(v.op)}</code></td><td>${v.meanMs.toFixed(2)}</td><td>${v.p99Ms.toFixed(2)}</td><td>${v.samples}</td></tr>`).join('')}</table>`);
  if (b.sizes) out.push(`<h2>Sizes and memory</h2><pre>${esc(JSON.stringify(b.sizes, null, 2))}</pre>`);
  return `<section>${out.join('')}</section>`;
}

export async function toHtml(r: Results): Promise<string> {
  const h = r.host as Record<string, unknown>;
  const byId = new Map(r.claims.map((c) => [c.id, c]));
  const suites = r.run.suites ?? [];
  const rows = CLAIMS.filter((d) => byId.has(d.id) || suites.includes(d.suite) || !suites.length).map((d) => {
    const c = byId.get(d.id);
    if (!c) return `<tr><td><code>${esc(d.id)}</code></td><td>${esc(d.statement)}</td><td><span class="pill `
      + `notrun">not run</span></td><td class="why">not part of this run</td></tr>`;
    const words = c.verdict === 'pass' ? explain(c) : c.verdict === 'differs' ? explain(c) : c.reason ?? '';
    const dep = c.verdict === 'differs' ? `<div class="departs">${esc(departure(c)).replace(/\n/g, '<br>')}</div>` : '';
    const pts = c.points ? ` <b>${c.points.earned}/${c.points.possible} pts</b>` : '';
    return `<tr><td><code>${esc(c.id)}</code></td><td>${esc(c.statement)}</td><td>${pill(c.verdict)}${pts}</td><td `
      + `class="evidence">${dep}${esc(words).replace(/\n/g, '<br>')}${details(c)}</td></tr>`;
  });
  const s = r.summary;
  const leaks = r.leaks === undefined ? 'not checked' : r.leaks.length ? `${r.leaks.length} leaked` : 'nothing left behind';
  const hostRows = ['kernel', 'arch', 'cpus', 'root', 'cgroup', 'docker', 'compose', 'builder', 'registry',
    'kvm'].map((k) => `<tr><th>${k}</th><td>${esc(h[k] ?? '—')}</td></tr>`).join('');
  const grade = r.grade as { score?: number; possible?: number; submission?: string } | undefined;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, `
  + `initial-scale=1"><title>isolab — run ${esc(r.run.id)}</title><style>${CSS}</style></head>
<body><header><h1>isolab report — run ${esc(r.run.id)}</h1><div class="sub">${esc(r.run.startedAt)} `
  + `→ ${esc(r.run.finishedAt)} · ${esc(r.run.argv.join(' '))}</div></header><main>
<section><div class="cards"><div class="card pass"><b>${s.passed}</b>passed</div><div class="card `
  + `differs"><b>${s.differs ?? 0}</b>differ from the slide</div><div class="card `
  + `fail"><b>${s.failed}</b>failed</div><div class="card skip"><b>${s.skipped}</b>skipped</div>${s.errored ? `<div `
  + `class="card error"><b>${s.errored}</b>could not run</div>` : ''}<div `
  + `class="card ${r.leaks?.length ? 'fail' : 'pass'}"><b>${r.leaks?.length ?? '—'}</b>leak `
  + `check: ${esc(leaks)}</div>${grade ? `<div class="card"><b>${grade.score}/${grade.possible}</b>score `
  + `for ${esc(grade.submission)}</div>` : ''}</div>
${(r.incomplete ?? []).map((f) => `<p class="incomplete">The run did not complete: ${esc(f.message)}</p>`).join('')}${r.errors?.length ? `<p class="why">${r.errors.map(esc).join('<br>')}</p>` : ''}${r.leaks?.length ? `<pre>${esc(r.leaks.map((l) => `${l.change} ${l.kind}: ${l.item}`).join('\n'))}</pre>` : ''}</section>
<section><h2>Host</h2><table>${hostRows}</table></section>
<section><h2>Claims</h2><table><tr><th>claim</th><th>the lecture `
  + `says</th><th>verdict</th><th>evidence</th></tr>${rows.join('\n')}</table></section>
${comparison(r)}
${topologies(r)}
${bench(r)}
</main></body></html>
`;
}
