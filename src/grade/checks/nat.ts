// `nat`: a connection seen from the other end — from a namespace, to an address and TCP port
// served (by the grader) in another namespace, and the source address it arrives from there:
// the router's when the router translates, the sender's own when nothing does. Read on the
// server's side (`ss` lists the connection with its peer, established or half-open), so a
// submission without NAT is told what arrived, not only that nothing came back.
import type { CheckKind } from './kind.js';
import { PartFailure } from './kind.js';

export interface NatCheck {
  /** the namespace that connects, or "root" */
  from: string;
  to: string;
  tcp: number;
  /** the namespace the grader's listener runs in (the "outside") */
  at: string;
  /** the source address the connection must arrive from there */
  seen: string;
}

const NS = '^[A-Za-z0-9_.-]+$';
const ADDRESS = '^[0-9.]+$';
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const inNs = (ns: string, cmd: string) => (ns === 'root' ? cmd : `ip netns exec ${q(ns)} ${cmd}`);

/** The peers `ss -Htn` lists for a local port: "SYN-RECV 0 0 192.0.2.2:8080 192.0.2.1:40000" → ["192.0.2.1"]. */
export function peersOf(ss: string, port: number): string[] {
  const out: string[] = [];
  for (const line of ss.split('\n')) {
    const f = line.trim().split(/\s+/);
    const local = f.find((x) => x.endsWith(`:${port}`));
    const peer = local ? f[f.indexOf(local) + 1] : undefined;
    const addr = peer?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');
    if (addr && addr !== '*' && !out.includes(addr)) out.push(addr);
  }
  return out;
}

export const nat: CheckKind<NatCheck> = {
  name: 'nat',
  describe: 'a script part: a TCP connection from a namespace, seen where it arrives — from which source address',
  phase: 'kernel',
  schema: { type: 'object', additionalProperties: false, required: ['from', 'to', 'tcp', 'at', 'seen'], properties: {
    from: { type: 'string', pattern: NS, description: 'the namespace that connects, or "root"' },
    to: { type: 'string', pattern: ADDRESS, description: 'the address it connects to (IPv4), in `at`' },
    tcp: { type: 'integer', minimum: 1, maximum: 65535, description: 'the port the grader listens on there' },
    at: { type: 'string', pattern: NS, description: 'the namespace the grader listens in (the outside)' },
    seen: { type: 'string', pattern: ADDRESS, description: 'the source address the connection must arrive from' } } },
  title: (v) => `${v.from} → ${v.to}:${v.tcp} arrives in ${v.at} from ${v.seen}`,
  run: async () => { throw new PartFailure('nat runs inside the part\'s kernel'); },
  inKernel: {
    // The listener and a connection, both held open (a listener whose input ends closes at once),
    // the listener's side read meanwhile: every state but listening (half-open ones too).
    command: (v) => [
      `(sleep 3 | ${inNs(v.at, `busybox nc -l -p ${v.tcp}`)} >/dev/null 2>&1) & l=$!`,
      'sleep 0.5',
      `(sleep 2 | ${inNs(v.from, `busybox nc -w 3 ${q(v.to)} ${v.tcp}`)} >/dev/null 2>&1) & c=$!`,
      'sleep 1',
      `${inNs(v.at, `ss -Htn exclude listening '( sport = :${v.tcp} )'`)}`,
      'kill $l $c 2>/dev/null; wait 2>/dev/null; true',
    ].join('\n'),
    judge: (v, r) => {
      const peers = peersOf(r.stdout, v.tcp);
      return { checks: [{ what: `the connection arrives in ${v.at} from ${v.seen}`, ok: peers.includes(v.seen),
        expected: v.seen, actual: peers.length ? peers.join(', ') : `nothing arrived on port ${v.tcp}` }],
      summary: peers.length ? `arrived from ${peers.join(', ')}` : 'nothing arrived' };
    },
  },
  hint: (v) => `${v.from}'s connections must leave with the router's address (${v.seen}): MASQUERADE or SNAT in the router's own namespace`,
  example: { value: { from: 'ns1', to: '192.0.2.2', tcp: 8080, at: 'outside', seen: '192.0.2.1' }, points: 2,
    hint: 'the router masquerades what leaves the LAN' },
};
