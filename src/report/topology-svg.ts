// A drawing of a declared topology: hosts as boxes in a row (in declaration order), veth
// pairs as lines with each end's device and address, dummies and bridges inside their host,
// NAT and forwarding marked on the host.
import type { Topology } from '../types/topology.js';

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

export function topologySvg(t: Topology): string {
  const boxW = 176;
  const gapX = 150;
  const W = t.hosts.length * boxW + (t.hosts.length - 1) * gapX + 40;
  const inner = (h: string) => t.links.filter((l) => l.type !== 'veth' && l.host === h);
  const boxH = 70 + Math.max(0, ...t.hosts.map((h) => inner(h).length)) * 16;
  const veths = t.links.filter((l) => l.type === 'veth');
  const H = 40 + boxH + 44;
  const xOf = (h: string) => 20 + t.hosts.indexOf(h) * (boxW + gapX);
  const top = 40;
  const parts: string[] = [];
  t.hosts.forEach((h) => {
    const x = xOf(h);
    const nat = (t.nat ?? []).filter((n) => n.host === h);
    const fwd = (t.forwarding ?? []).includes(h);
    parts.push(`<rect x="${x}" y="${top}" width="${boxW}" height="${boxH}" rx="8" fill="#f4f7fb" stroke="#4e79a7"/>`);
    parts.push(`<text x="${x + boxW / 2}" y="${top + 20}" text-anchor="middle" font-weight="600" font-size="13">${esc(h)}</text>`);
    const tags = [fwd ? 'forwarding' : '',
      ...nat.map((n) => `MASQ ${n.source} -o ${n.out}${n.randomFully ? ' (random-fully)' : ''}`)].filter(Boolean);
    tags.forEach((tag, i) =>
      parts.push(`<text x="${x + boxW / 2}" y="${top + 36 + i * 13}" text-anchor="middle" font-size="10" `
      + `fill="#b05a00">${esc(tag)}</text>`));
    inner(h).forEach((l, i) => {
      if (l.type === 'veth') return;
      parts.push(`<text x="${x + 8}" y="${top + boxH - 10 - i * 16}" font-size="11" `
        + `fill="#333">${esc(`${l.type} ${l.dev}${l.addr ? ` ${l.addr}` : ''}`)}</text>`);
    });
  });
  veths.forEach((l, i) => {
    if (l.type !== 'veth') return;
    const [a, b] = xOf(l.a.host) < xOf(l.b.host) ? [l.a, l.b] : [l.b, l.a];
    const adjacent = Math.abs(t.hosts.indexOf(a.host) - t.hosts.indexOf(b.host)) === 1;
    const y = adjacent ? top + boxH / 2 + 6 : top + boxH + 18 + i * 14;
    const x1 = xOf(a.host) + boxW;
    const x2 = xOf(b.host);
    if (adjacent) {
      parts.push(`<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="#59a14f" stroke-width="2"/>`);
    } else {
      parts.push(`<path d="M ${xOf(a.host) + boxW / 2} ${top + boxH} V ${y} H ${xOf(b.host) + boxW / 2} `
        + `V ${top + boxH}" fill="none" stroke="#59a14f" stroke-width="2"/>`);
    }
    // One end's label above the line, the other's below: they never collide.
    const label = (e: typeof a, x: number, anchor: string, above: boolean) => {
      const [y1, y2] = above ? [y - 17, y - 6] : [y + 14, y + 25];
      return `<text x="${x}" y="${y1}" text-anchor="${anchor}" font-size="10" fill="#222">${esc(e.dev)}</text><text `
        + `x="${x}" y="${y2}" text-anchor="${anchor}" font-size="10" fill="#555">${esc(e.addr ?? '')}</text>`;
    };
    if (adjacent) parts.push(label(a, x1 + 4, 'start', true), label(b, x2 - 4, 'end', false));
  });
  const routes = (t.routes ?? []).map((r) => `${r.host}: ${r.to}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`);
  parts.push(`<text x="20" y="${H - 12}" font-size="10" fill="#555">${esc(routes.length ? `routes — ${routes.join(' '
    + '· ')}` : 'no routes declared')}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" `
    + `font-family="system-ui, sans-serif"><text x="20" y="22" font-size="13" `
    + `font-weight="600">topology ${esc(t.name)}</text>${parts.join('')}</svg>`;
}
