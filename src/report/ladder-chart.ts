// The startup ladder as a horizontal bar chart on a log scale, self-contained SVG.
import type { LadderRow } from '../types/bench.js';

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

export function ladderSvg(rows: LadderRow[], title = 'Startup to exit of a no-op (log scale, mean ± p99)'): string {
  const data = rows.filter((r) => r.meanMs !== undefined);
  const W = 860;
  const left = 230;
  const right = 130;
  const barH = 26;
  const gap = 12;
  const top = 48;
  const H = top + data.length * (barH + gap) + 46;
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...data.map((d) => d.minMs ?? d.meanMs!)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...data.map((d) => d.p99Ms ?? d.meanMs!)))));
  const x = (ms: number) => left + ((Math.log10(ms) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - left - right);
  const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`);
  const colours = ['#4e79a7', '#59a14f', '#9c755f', '#f28e2b', '#edc948', '#e15759', '#b07aa1', '#76b7b2'];
  const ticks: string[] = [];
  for (let t = lo; t <= hi; t *= 10) {
    const tick = t >= 1000 ? `${t / 1000} s` : `${t} ms`;
    ticks.push(`<line x1="${x(t)}" y1="${top - 8}" x2="${x(t)}" y2="${H - 36}" stroke="#ddd"/><text x="${x(t)}" `
      + `y="${H - 20}" text-anchor="middle" font-size="12" fill="#555">${tick}</text>`);
  }
  const bars = data.map((d, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(2, x(d.meanMs!) - left);
    const whisker = d.p99Ms
      ? `<line x1="${x(d.meanMs!)}" y1="${y + barH / 2}" x2="${x(d.p99Ms)}" y2="${y + barH / 2}" `
      + `stroke="#333"/><line x1="${x(d.p99Ms)}" y1="${y + 6}" x2="${x(d.p99Ms)}" y2="${y + barH - 6}" stroke="#333"/>` : '';
    const label = `${fmt(d.meanMs!)}${d.ratioToFloor && d.ratioToFloor > 1.5 ? `  (${d.ratioToFloor.toFixed(0)}×)` : ''}`;
    return `<text x="${left - 10}" y="${y + barH / 2 + 5}" text-anchor="end" font-size="13" `
      + `fill="#222">${esc(d.rung)}${d.accelerator ? ` [${d.accelerator}]` : ''}</text>` +
      `<rect x="${left}" y="${y}" width="${w}" height="${barH}" fill="${colours[i % colours.length]}" rx="3"/>${whisker}` +
      `<text x="${Math.max(x(d.p99Ms ?? d.meanMs!), left + w) + 8}" y="${y + barH / 2 + 5}" font-size="12" `
        + `fill="#222">${esc(label)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600" fill="#111">${esc(title)}</text>
${ticks.join('\n')}
${bars.join('\n')}
</svg>
`;
}
