// Command output as the snapshot compares it: counters, handles, comments and the kernel's own
// entries left out, so that only rules, chains and routes compare.
export const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);

/** Normalized iptables-save: no counters, no comments, so only rules and chains compare. */
export function normalizeIptablesSave(text: string): string[] {
  return lines(text)
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/g, '[-]'));
}

/**
 * `ip route show table all` without the kernel's local/broadcast entries, and without `linkdown`:
 * that flag follows a bridge's carrier — docker0 is up while any container (or a BuildKit RUN
 * step) is attached, down a moment after — not a change of routes.
 */
export function normalizeRoutes(text: string): string[] {
  return lines(text).filter((l) => !/^(local|broadcast) /.test(l)).map((l) => l.replace(/ linkdown\b/, ''));
}

// The tables iptables-nft keeps: already compared through iptables-save.
const IPTABLES_TABLES = /^table (ip|ip6|arp|bridge) (filter|nat|mangle|raw|security)$/;

/**
 * `nft list ruleset` as one line per table, chain head, rule or set element block, each prefixed
 * with where it is (`table inet netavark › chain FORWARD: …`): without counters or handles, and
 * without iptables' tables (those compare through iptables-save).
 */
export function normalizeNftRuleset(text: string): string[] {
  const out: string[] = [];
  let table: string | null = null;
  let block: string | null = null;
  for (const raw of text.split('\n')) {
    const l = raw.replace(/\s*#.*$/, '').replace(/\bcounter packets \d+ bytes \d+\s*/g, 'counter ').trim();
    if (!l) continue;
    const t = /^(table \S+ \S+) \{$/.exec(l);
    if (t) {
      table = IPTABLES_TABLES.test(t[1]!) ? null : t[1]!;
      block = null;
      if (table) out.push(table);
      continue;
    }
    if (!table) continue;
    const b = /^((?:chain|set|map|flowtable) \S+) \{$/.exec(l);
    if (b) {
      block = b[1]!;
      out.push(`${table} › ${block}`);
    } else if (l === '}') {
      if (block) block = null;
      else table = null;
    } else out.push(`${table} › ${block ?? ''}: ${l}`);
  }
  return out;
}
