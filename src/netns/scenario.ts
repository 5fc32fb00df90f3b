// A network scenario as data: a topology, the connections that must get through (bytes intact,
// from the expected source) and those that must not, and a negative control. Probes only ever
// run inside the topology's namespaces; the host is only read (its addresses and routes).
import { isIPv6 } from 'node:net';
import { run } from '../core/exec.js';
import type { Check } from '../types/check.js';
import type { Net } from './build.js';
import { tcpExchange, type TcpOutcome } from './probes.js';
import type { Topology } from './topology.js';

export interface Probe {
  from: string;
  to: string;
  port: number;
  /** where the server listens; default: the host holding `to` */
  server?: string;
  serverPort?: number;
  seenFrom?: string;
}

export interface NetnsScenario {
  name: string;
  topology: Omit<Topology, 'name'>;
  expect: { reach: Probe[]; unreachable?: Probe[]; notOnHost?: string[] };
  /** top-level topology fields replaced for the negative control */
  control: Partial<Omit<Topology, 'name' | 'hosts'>>;
}

export interface ProbeResult {
  label: string;
  probe: Probe;
  outcome: TcpOutcome;
  ok: boolean;
}

/** The host of the topology that holds an address (on any link end, dummy or bridge). */
export function holderOf(t: Omit<Topology, 'name'>, addr: string): string | undefined {
  for (const l of t.links) {
    const ends = l.type === 'veth' ? [l.a, l.b] : [{ host: l.host, addr: l.addr }];
    for (const e of ends) if (e.addr?.split('/')[0] === addr) return e.host;
  }
  return undefined;
}

const label = (p: Probe) => `${p.from} → ${isIPv6(p.to) ? `[${p.to}]` : p.to}:${p.port}`;

/** How long a connection may take to be delivered; and, when it must not be, to stay undelivered. */
const DELIVER_MS = 3000;
const KEPT_OUT_MS = 1500;

/**
 * The negative control: the reach probes, in order, until one fails (one is enough). A control
 * breaks a connection: it is judged as "does not get through" is, not delivered within KEPT_OUT_MS.
 */
export async function firstFailure(net: Net, reach: Probe[]): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  for (const p of reach) {
    const [r] = (await runProbes(net, { reach: [p] }, KEPT_OUT_MS)).reach;
    out.push(r!);
    if (!r!.ok) break;
  }
  return out;
}

/**
 * The probes side by side, but one at a time per listening endpoint (host and port): a server
 * takes the first connection it gets, so two probes of one endpoint would take each other's.
 * A "does not get through" probe waits out its whole bound; side by side, a scenario waits once.
 */
async function byEndpoint(t: Omit<Topology, 'name'>, probes: Probe[], one: (p: Probe) => Promise<ProbeResult>) {
  const queues = new Map<string, Array<{ p: Probe; i: number }>>();
  probes.forEach((p, i) => {
    const key = `${p.server ?? holderOf(t, p.to) ?? p.to}:${p.serverPort ?? p.port}`;
    queues.set(key, [...(queues.get(key) ?? []), { p, i }]);
  });
  const out: ProbeResult[] = new Array(probes.length);
  await Promise.all([...queues.values()].map(async (q) => {
    for (const { p, i } of q) out[i] = await one(p);
  }));
  return out;
}

export async function runProbes(net: Net, exp: { reach: Probe[]; unreachable?: Probe[]; notOnHost?: string[] }, deliverMs = DELIVER_MS) {
  const t = net.topology;
  const one = async (p: Probe, want: boolean): Promise<ProbeResult> => {
    const server = p.server ?? holderOf(t, p.to);
    if (!server) throw new Error(`probe ${label(p)}: no host of the topology holds ${p.to}; name the one that listens with "server"`);
    const payload = `isolab ${label(p)}\n`;
    const outcome = await tcpExchange(net, { host: server, port: p.serverPort ?? p.port },
      { host: p.from, target: p.to, port: p.port }, payload, want ? deliverMs : KEPT_OUT_MS);
    const through = outcome.delivered && outcome.data === payload && (!p.seenFrom || outcome.from === p.seenFrom);
    return { label: label(p), probe: p, outcome, ok: want ? through : !outcome.delivered };
  };
  const reach = await byEndpoint(t, exp.reach, (p) => one(p, true));
  const unreachable = await byEndpoint(t, exp.unreachable ?? [], (p) => one(p, false));
  const checks: Check[] = [
    ...reach.map((r) => ({
      ok: r.ok, what: `${r.label} gets through${r.probe.seenFrom ? `, seen from ${r.probe.seenFrom}` : ''}`,
      expected: `delivered intact${r.probe.seenFrom ? ` from ${r.probe.seenFrom}` : ''}`,
      actual: r.outcome.delivered ? `delivered from ${r.outcome.from}` : r.outcome.clientError ?? 'not delivered',
    })),
    ...unreachable.map((r) =>
      ({ ok: r.ok, what: `${r.label} does not get through`, expected: 'not delivered',
      actual: r.outcome.delivered ? `delivered from ${r.outcome.from}` : r.outcome.clientError ?? 'not delivered' })),
  ];
  // The host is read, never sent to: it must neither hold these addresses nor route them.
  const onHost: Record<string, string> = {};
  for (const a of exp.notOnHost ?? []) {
    const fam = isIPv6(a) ? '-6' : '-4';
    const addrs = (await run('ip', [fam, '-o', 'addr', 'show'], { check: false, timeoutMs: 5000 })).stdout;
    const routes = (await run('ip', [fam, 'route', 'show', 'table', 'all', 'match', a], { check: false, timeoutMs: 5000 })).stdout
      .split('\n').filter((l) => l.trim() && !/^(default|unreachable default)\b/.test(l) && !/^local |^multicast |^ff00::\/8/.test(l));
    const held = addrs.split('\n').some((l) => l.includes(` ${a}/`));
    onHost[a] = held ? 'held by the host' : routes.length ? `routed: ${routes.join('; ')}` : 'neither held nor routed';
    checks.push({ ok: !held && routes.length === 0, what: `the host neither holds nor routes ${a}`,
      expected: 'neither held nor routed', actual: onHost[a] });
  }
  return { reach, unreachable, checks, ...(exp.notOnHost ? { onHost } : {}) };
}
