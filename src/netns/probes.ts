// Probes between hosts of a built topology: TCP exchange, ping, NAT counters, a UDP hole
// punch. Each is bounded in time and returns what it saw, for checks and evidence.
import type { Net } from './build.js';
import { parseAgentOutput, AGENT_START_MS } from './build.js';
import type { Background } from '../core/exec.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '../core/waits.js';

async function waitFor(b: Background, event: string, ms: number): Promise<boolean> {
  const seen = await until(async () => parseAgentOutput(b.output().stdout).some((e) => e.event === event)
    ? 'seen' : (await b.exited(0)) && 'exited', { what: `the agent's ${event}`, timeoutMs: ms, everyMs: 20 });
  return seen === 'seen';
}

export interface TcpOutcome {
  delivered: boolean;
  /** the source address the server saw */
  from?: string;
  data?: string;
  clientError?: string;
}

/** A server in `server.host` on `port`; a client in `client` sends `data` to `target`. */
export async function tcpExchange(net: Net, server: { host: string; port: number },
  client: { host: string; target: string; from?: string; port?: number }, data: string, timeoutMs = 3000): Promise<TcpOutcome> {
  // The server's window covers the client's start (seconds on an emulated host: it closed first
  // there, ECONNREFUSED); it ends at its one connection, or when the client is done (below).
  const srv = net.spawnAgent(server.host, 'tcp-serve', [server.port, timeoutMs + AGENT_START_MS], timeoutMs + AGENT_START_MS + 10_000);
  if (!(await waitFor(srv, 'listening', READY_MS))) throw new Error(`server in ${server.host} did not listen: ${srv.output().stderr}`);
  const c = await net.agent(client.host, 'tcp-send',
    [client.target, client.port ?? server.port, data, timeoutMs, ...(client.from ? [client.from] : [])], timeoutMs);
  const err = c.find((e) => e.event === 'error' || e.event === 'timeout');
  await srv.exited(err ? 0 : 2000);
  const got = parseAgentOutput(srv.output().stdout).find((e) => e.event === 'received');
  await srv.stop(200);
  return {
    delivered: !!got,
    ...(got ? { from: String(got.from), data: String(got.data) } : {}),
    ...(err ? { clientError: String(err.code ?? err.what ?? err.event) } : {}),
  };
}

export async function ping(net: Net, from: string, to: string, timeoutS = 1): Promise<{ ok: boolean; output: string }> {
  const r = await net.exec(from, ['busybox', 'ping', '-c', '1', '-W', String(timeoutS), to],
    { check: false, timeoutMs: timeoutS * 1000 + 3000 });
  return { ok: r.exitCode === 0, output: (r.stdout + r.stderr).trim().split('\n').slice(-2).join(' ') };
}

/** Packets that went through the MASQUERADE rules of a host's nat POSTROUTING chain. */
export async function masqueradePackets(net: Net, host: string): Promise<number> {
  const r = await net.exec(host, ['iptables', '-t', 'nat', '-L', 'POSTROUTING', '-v', '-n', '-x'], { timeoutMs: 10_000 });
  return r.stdout.split('\n').filter((l) => /MASQUERADE/.test(l)).reduce((a, l) => a + Number(l.trim().split(/\s+/)[0] ?? 0), 0);
}

export interface PunchOutcome {
  rendezvous: Record<string, string>;
  /** each registration as the rendezvous saw it: name → observed source endpoint */
  registered: Record<string, string>;
  peers: Record<string, { me?: string; peer?: string; received: Array<{ from: string; data: string }> }>;
  rendezvousGone: boolean;
}

/** How long an agent may take to start and register. */
const READY_MS = AGENT_START_MS;

/**
 * Two peers register with a rendezvous, learn each other's public endpoint, and punch. `readyMs`
 * bounds registration: a caller that expects no introduction (a control) shortens it and reads
 * `registered` to show the peers did run and send.
 */
export async function udpHolePunch(net: Net, rv: { host: string; address: string; port: number },
  peers: Record<string, number>, timeoutMs = 6000, readyMs = READY_MS): Promise<PunchOutcome> {
  // The rendezvous waits for both registrations (it exits once it has introduced them); each
  // peer's punch window (timeoutMs) starts when it is introduced.
  const server = net.spawnAgent(rv.host, 'udp-rendezvous', [rv.port, readyMs + timeoutMs, rv.address], readyMs + timeoutMs + 5000);
  if (!(await waitFor(server, 'listening', READY_MS))) throw new Error(`rendezvous did not listen: ${server.output().stderr}`);
  const names = Object.keys(peers);
  const runs = names.map((n) =>
    net.agent(n, 'udp-peer', [n, peers[n]!, `${rv.address}:${rv.port}`, timeoutMs, readyMs], readyMs + timeoutMs + 5000));
  const outs = await Promise.all(runs);
  const rvEvents = parseAgentOutput(server.output().stdout);
  const gone = (await server.exited(0)) !== null;
  await server.stop(200);
  const intro = rvEvents.find((e) => e.event === 'introduced') ?? {};
  return {
    rendezvous: Object.fromEntries(Object.entries(intro).filter(([k]) => k !== 'event').map(([k, v]) => [k, String(v)])),
    registered: Object.fromEntries(rvEvents.filter((e) => e.event === 'registered').map((e) => [String(e.name), String(e.observed)])),
    rendezvousGone: gone,
    peers: Object.fromEntries(names.map((n, i) => {
      const ev = outs[i]!;
      const me = ev.find((e) => e.event === 'introduced');
      return [n, {
        ...(me ? { me: String(me.me), peer: String(me.peer) } : {}),
        received: ev.filter((e) => e.event === 'received').map((e) => ({ from: String(e.from), data: String(e.data) })),
      }];
    })),
  };
}

/**
 * A peer that never sends: does anything sent to its NAT's public address reach it? It listens
 * until the sender has sent all it sends and `ms` more; `sent` and `listening` say both held, so
 * "nothing arrived" is not a blast that came after the listener had gone.
 */
export async function unsolicited(net: Net, listener: { host: string; port: number },
  sender: { host: string; port: number; target: string }, ms = 1500, count = 10) {
  const window = AGENT_START_MS + ms + 5000;
  const l = net.spawnAgent(listener.host, 'udp-listen', [listener.port, window], window + 5000);
  if (!(await waitFor(l, 'listening', READY_MS))) throw new Error(`listener did not start: ${l.output().stderr}`);
  const blast = await net.agent(sender.host, 'udp-blast', [sender.target, sender.port, count], 3000);
  const sent = Number(blast.find((e) => e.event === 'sent')?.count ?? 0);
  await sleep(ms); // stragglers
  const listening = (await l.exited(0)) === null;
  const received = parseAgentOutput(l.output().stdout).filter((e) => e.event === 'received');
  await l.stop(200);
  return { sent, listening, received: received.length };
}
