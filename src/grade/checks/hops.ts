// `hops`: the path from a network namespace to an address, measured — each router on the way
// answers a probe whose TTL ends at it (busybox traceroute, ICMP), then the address itself.
// What `ip route` says is configuration; this is where packets went (a direct cable beside
// the router shows as a path without it).
import type { CheckKind } from './kind.js';
import { PartFailure } from './kind.js';

export interface HopsCheck {
  /** a network namespace the setup made, or "root" */
  from: string;
  to: string;
  /** the routers' addresses on the way, in order (empty: the address is on a link of its own) */
  via: string[];
  after?: string;
}

const NS = '^[A-Za-z0-9_.-]+$';
const ADDRESS = '^[0-9a-fA-F.:]+$';
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const inNs = (ns: string, cmd: string) => (ns === 'root' ? cmd : `ip netns exec ${q(ns)} ${cmd}`);

/** The hops traceroute printed: " 1  10.0.1.1  0.5 ms" → ["10.0.1.1"], "*" where nothing answered. */
export function parseHops(out: string): string[] {
  const hops: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)/.exec(line);
    if (m) hops[Number(m[1]) - 1] = m[2]!;
  }
  return Array.from(hops, (h) => h ?? '*');
}

export const hops: CheckKind<HopsCheck> = {
  name: 'hops',
  describe: 'a script part: the path from a network namespace to an address, hop by hop (measured, not read from routes)',
  phase: 'kernel',
  schema: { type: 'object', additionalProperties: false, required: ['from', 'to', 'via'], properties: {
    from: { type: 'string', pattern: NS, description: 'a namespace the setup made, or "root"' },
    to: { type: 'string', pattern: ADDRESS, description: 'an address (IPv4)' },
    via: { type: 'array', items: { type: 'string', pattern: ADDRESS }, description: 'the routers on the way, in order' },
    after: { type: 'string', minLength: 1, description: 'a command run first' } } },
  title: (v) => `${v.after ? `after \`${v.after}\`: ` : ''}${v.from} → ${v.to} through ${v.via.length ? v.via.join(' → ') : 'no router'}`,
  run: async () => { throw new PartFailure('hops runs inside the part\'s kernel'); },
  inKernel: {
    // One probe per TTL, a second's wait each: at most 5 s for the longest path it takes.
    command: (v) => `${v.after ? `${v.after} >/dev/null 2>&1; ` : ''}${inNs(v.from,
      `busybox traceroute -n -I -q 1 -w 1 -m ${v.via.length + 1} ${q(v.to)}`)}`,
    judge: (v, r) => {
      const seen = parseHops(r.stdout);
      const want = [...v.via, v.to];
      const checks = want.map((addr, i) => ({ what: i < v.via.length ? `hop ${i + 1} is ${addr}` : `${addr} answers at hop ${i + 1}`,
        ok: seen[i] === addr, expected: addr, actual: seen[i] ?? 'no answer' }));
      return { checks, summary: seen.length ? seen.join(' → ') : `no path (${(r.stdout + r.stderr).trim().split('\n').pop() ?? ''})` };
    },
  },
  hint: (v) => `${v.from} must reach ${v.to} through ${v.via.join(', ') || 'no router'}: routes on each side, forwarding in each router`,
  example: { value: { from: 'ns1', to: '10.0.2.2', via: ['10.0.1.1'] }, points: 1, hint: 'ns1 reaches ns2 through the router, not around it' },
};
