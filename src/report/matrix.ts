// Across hosts: several results.json (say, from a GitHub Actions matrix) merged into one
// claim × host table, with each host's kernel, cgroup version, engine and compose, and the
// startup ladder side by side where the runs include a bench.
import type { Results } from '../types/results.js';
import { CLAIMS } from '../claims/catalog.js';
import type { LadderRow } from '../types/bench.js';
import { departure } from './explain.js';

export interface Matrix {
  hosts: Array<{ label: string; run: string; kernel: unknown; cgroup: unknown; engine: unknown; compose: unknown;
    guest?: unknown; runtime?: unknown; node?: unknown }>;
  claims: Array<{ id: string; statement: string; verdicts: Array<string>; notes: Array<string> }>;
  ladder: Array<{ rung: string; meanMs: Array<number | null> }>;
}

/** Runs of one machine (same kernel, arch, cgroup, engine, compose) share a column. */
export function buildMatrix(results: Results[]): Matrix {
  // Results from before the engine field: docker was the only engine.
  const engine = (h: Results['host']) => h.engine ?? (h.docker ? `docker ${h.docker}` : 'none');
  // The OCI runtime the engine ran: podman names its own (crun); docker's is runc.
  const runtime = (h: Results['host']) =>
    (h.details as { docker?: { runtime?: string } } | undefined)?.docker?.runtime ?? (h.runc ? `runc ${h.runc}` : '—');
  const key = (r: Results) => JSON.stringify([r.host.kernel, r.host.arch, r.host.cgroup, engine(r.host), r.host.compose]);
  const groups = new Map<string, Results[]>();
  for (const r of results) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const cols = [...groups.values()];
  const hosts = cols.map((rs) => {
    const h = rs[0]!.host;
    const guest = (h.guest as { name?: string } | undefined)?.name;
    const podman = String(engine(h)).startsWith('podman') ? ' · podman' : '';
    return { label: `${guest ? `${guest} guest · ` : ''}${h.kernel} · ${h.cgroup}${podman}`,
      run: rs.map((r) => r.run.id).join(', '), kernel: h.kernel, cgroup: h.cgroup, engine: engine(h),
      compose: h.compose ?? 'none', guest: guest ?? 'no', runtime: runtime(h), node: h.node ?? '—' };
  });
  // Later runs of a host override earlier ones for the claims they both checked.
  const latest = (rs: Results[], id: string) => [...rs].reverse().map((r) => r.claims.find((c) => c.id === id)).find(Boolean);
  const verdict = (rs: Results[], id: string) => latest(rs, id)?.verdict ?? '—';
  // A departure shows its number in the cell: where the slide needs a footnote, at a glance.
  const note = (rs: Results[], id: string) => {
    const c = latest(rs, id);
    return c?.verdict === 'differs' ? departure(c)
      : c?.verdict === 'skip' || c?.verdict === 'error' ? (c.reason ?? '').split('\n')[0]! : '';
  };
  const ids = CLAIMS.map((c) => c.id).filter((id) => results.some((r) => r.claims.some((c) => c.id === id)));
  const claims = ids.map((id) =>
    ({ id, statement: CLAIMS.find((c) => c.id === id)!.statement, verdicts: cols.map((rs) => verdict(rs, id)),
    notes: cols.map((rs) => note(rs, id)) }));
  const ladderOf = (r: Results) => (r.bench?.ladder as LadderRow[] | undefined) ?? [];
  const rungs = [...new Set(results.flatMap((r) => ladderOf(r).map((x) => x.rung)))];
  const ladder = rungs.map((rung) => ({
    rung,
    meanMs: cols.map((rs) =>
      [...rs].reverse().map((r) => ladderOf(r).find((x) => x.rung === rung)?.meanMs).find((v) => v !== undefined) ?? null),
  }));
  return { hosts, claims, ladder };
}

const mark = (v: string) =>
  (v === 'pass' ? '✅' : v === 'fail' ? '❌' : v === 'skip' ? '⏭' : v === 'differs' ? '🔶' : v === 'error' ? '⚠️' : '—');

export function matrixMarkdown(m: Matrix): string {
  const out = ['# isolab compatibility matrix', '',
    '| host | run | kernel | cgroup | engine | compose | OCI runtime | node |', '|---|---|---|---|---|---|---|---|'];
  for (const h of m.hosts)
    out.push(`| ${h.label} | ${h.run} | ${h.kernel} | ${h.cgroup} | ${h.engine} | ${h.compose} | ${h.runtime} | ${h.node} |`);
  out.push('', `| claim | ${m.hosts.map((h) => h.label).join(' | ')} |`, `|---|${m.hosts.map(() => '---').join('|')}|`);
  for (const c of m.claims)
    out.push(`| \`${c.id}\` `
    + `| ${c.verdicts.map((v, i) => `${mark(v)}${v === 'differs' ? ` ${c.notes[i]!.replace(/\n/g, '<br>').replace(/\|/g, '\\|')}` : ''}`).join(' | ')} |`);
  out.push('', '✅ holds · 🔶 the mechanism holds, the slide\'s number differs here (the cell says how) · ❌ fails · '
    + '⏭ skipped · ⚠️ could not run (the engine or disk failed under it)');
  if (m.ladder.length) {
    out.push('', '## Startup ladder (mean ms)', '', `| rung | ${m.hosts.map((h) => h.label).join(' | ')} |`,
      `|---|${m.hosts.map(() => '---:').join('|')}|`);
    for (const l of m.ladder)
      out.push(`| ${l.rung} | ${l.meanMs.map((v) => (v === null ? '—' : v.toFixed(v < 10 ? 2 : 0))).join(' | ')} |`);
  }
  return out.join('\n') + '\n';
}

export function matrixHtml(m: Matrix): string {
  const esc = (s: unknown) => String(s ?? '').replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
  const cls = (v: string) => (v === 'pass' || v === 'fail' || v === 'skip' || v === 'differs' || v === 'error' ? v : 'none');
  const head = m.hosts.map((h) =>
    `<th>${esc(h.label)}<div class="h">${esc(h.kernel)} · ${esc(h.cgroup)} · ${esc(h.engine)} · ${esc(h.compose)} · ${esc(h.runtime)}</div></th>`).join('');
  const rows = m.claims.map((c) =>
    `<tr><td><code>${esc(c.id)}</code><div class="h">${esc(c.statement)}</div></td>${c.verdicts.map((v, i) => `<td class="${cls(v)}" title="${esc(c.notes[i])}">${esc(v)}${c.notes[i] && (v === 'differs' || v === 'skip' || v === 'error') ? `<div class="h">${esc(c.notes[i]).replace(/\n/g, '<br>')}</div>` : ''}</td>`).join('')}</tr>`).join('');
  const ladder = m.ladder.length
    ? `<h2>Startup ladder (mean `
    + `ms)</h2><table><tr><th>`
    + `rung</th>${m.hosts.map((h) => `<th>${esc(h.label)}</th>`).join('')}</tr>${m.ladder.map((l) => `<tr><td>${esc(l.rung)}</td>${l.meanMs.map((v) => `<td>${v === null ? '—' : v.toFixed(v < 10 ? 2 : 0)}</td>`).join('')}</tr>`).join('')}</table>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>isolab matrix</title><style>
body{font:14px system-ui,"DejaVu `
  + `Sans",sans-serif;margin:24px;color:#1d2430}table{border-collapse:collapse}th,td{border:1px solid `
  + `#e3e6eb;padding:6px 10px;text-align:left;vertical-align:top}
.h{font-size:11px;color:#5b6677;font-weight:normal}.pass{background:#e3f4e6}.fail{background:#fde3e1}`
  + `.skip{background:#eceff3}.differs{background:#fff1d6}.error{background:#f3e3f7}code{font-size:12px}</style></head>
<body><h1>isolab compatibility matrix</h1><table><tr><th>claim</th>${head}</tr>${rows}</table>${ladder}</body></html>
`;
}
