// Building a declared topology: every host is a fresh network namespace named
// isolab-<run>-<host>; links are created directly inside them, so nothing — no link, route,
// sysctl or rule — ever touches the host's own namespace. Deleting a namespace takes its
// links, routes and iptables rules with it; the ledger deletes the namespaces.
import { run, start, type Background, type RunResult } from '../core/exec.js';
import type { Ledger, Entry } from '../core/ledger.js';
import { resourceName } from '../core/names.js';
import { validateTopology, TopologyError, type Topology } from './topology.js';
import { fromRoot } from '../core/paths.js';

/** How long a probe agent (node) may take to start: generous, for slow (emulated) hosts. */
export const AGENT_START_MS = 60_000;

// Not compiled: node runs it as it is inside each namespace (from the sources, also in the package).
const AGENT = fromRoot('src', 'netns', 'agent.mjs');

export interface Net {
  topology: Topology;
  /** the real namespace name of a declared host */
  ns(host: string): string;
  exec(host: string, argv: string[], opts?: { timeoutMs?: number; check?: boolean; input?: string }): Promise<RunResult>;
  /** Start a long-running program in a host (a server); the ledger stops it. */
  spawn(host: string, argv: string[], maxLifeMs?: number): Background;
  /** The probe agent (src/netns/agent.mjs) in a host. */
  agent(host: string, mode: string, args: Array<string | number>, timeoutMs: number): Promise<Array<Record<string, unknown>>>;
  spawnAgent(host: string, mode: string, args: Array<string | number>, maxLifeMs: number): Background;
  /** Substitutions the build had to make on this kernel, for the evidence. */
  substitutions: string[];
  /** Each host's effective settings, read back after they were written. */
  settings: Record<string, NsSettings>;
  /** ip addr, ip route and iptables-save of every host, for the evidence on failure. */
  dump(): Promise<Record<string, string>>;
  /** Tear down now (what the ledger would do later). */
  destroy(): Promise<void>;
}

/** A namespace's forwarding and filtering, as read back from /proc/sys/net inside it. */
export interface NsSettings {
  ipForward: string;
  ipv6Forwarding: string | null;
  rpFilter: string;
  acceptRa: string | null;
}

/**
 * What a host's declaration implies, written explicitly: IPv4 and IPv6 forwarding on for a
 * declared router and off for every other host; no reverse-path filter (the kernel's default,
 * where the host may have 1 or 2); no router advertisements (addresses are declared). Each
 * device's own file too: rp_filter is the larger of `all` and the device's.
 */
export function declaredState(forwards: boolean): string[] {
  const f = forwards ? 1 : 0;
  return [
    `echo ${f} > /proc/sys/net/ipv4/ip_forward`,
    'for x in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > "$x"; done',
    'if [ -d /proc/sys/net/ipv6/conf ]; then',
    `  for x in /proc/sys/net/ipv6/conf/*/forwarding; do echo ${f} > "$x"; done`,
    '  for x in /proc/sys/net/ipv6/conf/*/accept_ra; do echo 0 > "$x"; done',
    'fi',
  ];
}

const READ_STATE = [
  'v6() { [ -r "$1" ] && cat "$1" || echo -; }',
  'echo "ipForward=$(cat /proc/sys/net/ipv4/ip_forward) rpFilter=$(cat /proc/sys/net/ipv4/conf/all/rp_filter)'
    + ' ipv6Forwarding=$(v6 /proc/sys/net/ipv6/conf/all/forwarding) acceptRa=$(v6 /proc/sys/net/ipv6/conf/all/accept_ra)"',
].join('\n');

export function parseState(out: string): NsSettings {
  const kv = Object.fromEntries(out.trim().split('\n').pop()!.split(' ').map((p) => p.split('=') as [string, string]));
  const or = (v: string | undefined) => (v === undefined || v === '-' ? null : v);
  return { ipForward: kv.ipForward ?? '?', rpFilter: kv.rpFilter ?? '?', ipv6Forwarding: or(kv.ipv6Forwarding), acceptRa: or(kv.acceptRa) };
}

export const parseAgentOutput = (s: string): Array<Record<string, unknown>> =>
  s.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

let builds = 0;

/** What every phase of a build uses: the topology, its namespaces' names, a runner in each. */
interface Build {
  t: Topology;
  ns(host: string): string;
  nsexec(h: string, argv: string[], opts?: { timeoutMs?: number; check?: boolean; input?: string }): Promise<RunResult>;
  batch(h: string | null, lines: string[]): Promise<void>;
}

function buildContext(t: Topology): Build {
  // Namespaces are host-wide names: the topology's name keeps two suites' "wan" apart, and a
  // build's own tag two builds of one topology in one run (a suite's and its control's).
  const tag = `${process.pid.toString(36)}${(++builds).toString(36)}`;
  const names = new Map(t.hosts.map((h) => [h, resourceName(`${t.name.slice(0, 24)}-${tag}-${h}`)]));
  const ns = (h: string) => names.get(h) ?? (() => { throw new Error(`topology ${t.name}: unknown host "${h}"`); })();
  const nsexec = (h: string, argv: string[], opts: { timeoutMs?: number; check?: boolean; input?: string } = {}) =>
    run('ip', ['netns', 'exec', ns(h), ...argv], { timeoutMs: opts.timeoutMs ?? 15_000, check: opts.check ?? true, input: opts.input });
  /** One `ip -batch` per host and phase instead of an exec per command; errors name the line. */
  const batch = async (h: string | null, lines: string[]) => {
    if (!lines.length) return;
    const r = await run('ip', [...(h ? ['-n', ns(h)] : []), '-batch', '-'],
      { input: lines.join('\n') + '\n', check: false, timeoutMs: 15_000 });
    if (r.exitCode !== 0) {
      const n = Number(/Command failed -:(\d+)/.exec(r.stderr)?.[1] ?? 0);
      throw new Error(`topology ${t.name}${h ? `, host ${h}` : ''}: \`ip ${n ? lines[n - 1] : lines.join('; ')}\` `
        + `failed: ${r.stderr.replace(/Command failed -:\d+/, '').trim()}`);
    }
  };
  return { t, ns, nsexec, batch };
}

export async function buildTopology(ledger: Ledger, t: Topology): Promise<Net> {
  const problems = validateTopology(t);
  if (problems.length) throw new TopologyError(problems);
  const b = buildContext(t);
  const entries = await createHosts(b, ledger);
  const substitutions = await createLinks(b);
  await configureLinks(b);
  const settings = await declareState(b);
  return netOf(b, ledger, entries, substitutions, settings);
}

/** Every host a namespace, each deleted by the ledger (with what still runs in it). */
async function createHosts({ t, ns, batch }: Build, ledger: Ledger): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const h of t.hosts) {
    entries.push(ledger.add('netns', ns(h), async () => {
      // End what still runs in it (servers this run started), then delete.
      const pids = (await run('ip', ['netns', 'pids', ns(h)],
        { check: false, timeoutMs: 10_000 })).stdout.split('\n').filter(Boolean).map(Number);
      for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      const r = await run('ip', ['netns', 'delete', ns(h)], { check: false, timeoutMs: 10_000 });
      if (r.exitCode !== 0 && !/No such file/.test(r.stderr)) throw new Error(`ip netns delete ${ns(h)}: ${r.stderr.trim()}`);
    }));
  }
  await batch(null, t.hosts.map((h) => `netns add ${ns(h)}`));
  return entries;
}

/** Every link exists (a veth's peer lands in its namespace as it is created); what had to stand in. */
async function createLinks({ t, ns, batch }: Build): Promise<string[]> {
  const substitutions: string[] = [];
  const create = new Map<string, string[]>(t.hosts.map((h) => [h, ['link set lo up']]));
  for (const l of t.links) {
    if (l.type === 'veth') create.get(l.a.host)!.push(`link add ${l.a.dev} type veth peer name ${l.b.dev} netns ${ns(l.b.host)}`);
    if (l.type === 'bridge') create.get(l.host)!.push(`link add ${l.dev} type bridge`);
  }
  for (const h of t.hosts) await batch(h, create.get(h)!);
  for (const l of t.links) {
    if (l.type !== 'dummy') continue;
    const r = await run('ip', ['-n', ns(l.host), 'link', 'add', l.dev, 'type', 'dummy'], { check: false, timeoutMs: 10_000 });
    if (r.exitCode === 0) continue;
    if (!/Unknown device type/.test(r.stderr)) throw new Error(`ip link add ${l.dev} type dummy in ${l.host}: ${r.stderr.trim()}`);
    // Kernels without CONFIG_DUMMY: a veth whose peer stays down holds the address alike.
    await batch(l.host, [`link add ${l.dev} type veth peer name ${l.dev.slice(0, 10)}-stub`]);
    substitutions.push(`${l.host}/${l.dev}: this kernel has no dummy link type (CONFIG_DUMMY); a veth with its peer down stands in`);
  }
  return substitutions;
}

/** Addresses, bridge ports, links up, then routes (their gateways are on-link by now). */
async function configureLinks({ t, batch }: Build): Promise<void> {
  const configure = new Map<string, string[]>(t.hosts.map((h) => [h, []]));
  const end = (h: string, dev: string, addr?: string, up = true) => {
    // nodad: an IPv6 address is usable at once, not "tentative" for a second of duplicate detection.
    if (addr) configure.get(h)!.push(`addr add ${addr} dev ${dev}${addr.includes(':') ? ' nodad' : ''}`);
    if (up) configure.get(h)!.push(`link set ${dev} up`);
  };
  for (const l of t.links) {
    if (l.type === 'veth') {
      end(l.a.host, l.a.dev, l.a.addr, l.a.up ?? true);
      end(l.b.host, l.b.dev, l.b.addr, l.b.up ?? true);
    } else if (l.type === 'dummy') end(l.host, l.dev, l.addr);
    else {
      for (const port of l.ports) configure.get(l.host)!.push(`link set ${port} master ${l.dev}`);
      end(l.host, l.dev, l.addr);
    }
  }
  for (const r of t.routes ?? [])
    configure.get(r.host)!.push(`route add ${r.to}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`);
  for (const h of t.hosts) await batch(h, configure.get(h)!);
}

/**
 * Declared state, then NAT and the firewall: one shell per host (values validated). A new
 * namespace copies the host's IPv4 settings (net.core.devconf_inherit_init_net), and the
 * host's ip_forward is 1 wherever Docker runs: so forwarding is written off as well as on.
 */
async function declareState({ t, nsexec }: Build): Promise<Record<string, NsSettings>> {
  const settings: Record<string, NsSettings> = {};
  for (const h of t.hosts) {
    const cmds = [...declaredState((t.forwarding ?? []).includes(h))];
    for (const n of (t.nat ?? []).filter((x) => x.host === h))
      cmds.push(`iptables -t nat -A POSTROUTING -s ${n.source} -o ${n.out} -j MASQUERADE${n.randomFully ? ' --random-fully' : ''}`);
    // Dropped before conntrack confirms them, early inbound packets leave no stale entry.
    for (const fw of (t.firewall ?? []).filter((x) => x.host === h))
      cmds.push(`iptables -A INPUT -i ${fw.wanDev} -m conntrack --ctstate NEW -j DROP`);
    for (const d of (t.dnat ?? []).filter((x) => x.host === h))
      cmds.push(`iptables -t nat -A PREROUTING -i ${d.in} -p tcp --dport ${d.port} -j DNAT --to-destination ${d.to}`);
    const r = await nsexec(h, ['sh', '-c', ['set -e', ...cmds, READ_STATE].join('\n')]);
    settings[h] = parseState(r.stdout);
  }
  return settings;
}

function netOf({ t, ns, nsexec }: Build, ledger: Ledger, entries: Entry[], substitutions: string[],
  settings: Record<string, NsSettings>): Net {
  const spawn = (h: string, argv: string[], maxLifeMs = 60_000) => {
    const b = start('ip', ['netns', 'exec', ns(h), ...argv], { maxLifeMs });
    ledger.add('process', `${b.pid} in ${h}: ${argv.join(' ')}`, () => b.stop(300));
    return b;
  };
  const agentArgv = (mode: string, args: Array<string | number>) => [process.execPath, AGENT, mode, ...args.map(String)];
  return {
    topology: t,
    ns,
    exec: nsexec,
    spawn,
    substitutions,
    settings,
    async agent(h, mode, args, timeoutMs) {
      // The agent's own deadline bounds its work from when it has started; this bound catches a
      // start that hangs. Node takes seconds to start on an emulated host: the bound leaves room
      // for that, so a slow start is not mistaken for a client that could not connect.
      const r = await nsexec(h, agentArgv(mode, args), { timeoutMs: timeoutMs + AGENT_START_MS, check: false });
      return parseAgentOutput(r.stdout);
    },
    spawnAgent: (h, mode, args, maxLifeMs) => spawn(h, agentArgv(mode, args), maxLifeMs),
    async dump() {
      const out: Record<string, string> = {};
      for (const h of t.hosts) {
        const q = { check: false, timeoutMs: 10_000 } as const;
        const addr = await run('ip', ['-n', ns(h), '-br', 'addr'], q);
        const route = await run('ip', ['-n', ns(h), 'route'], q);
        const ipt = await run('ip', ['netns', 'exec', ns(h), 'iptables-save', '-c'], q);
        out[h] = `# ip addr\n${addr.stdout}# ip route\n${route.stdout}# iptables-save\n${ipt.stdout}`;
      }
      return out;
    },
    async destroy() {
      for (const e of entries.reverse()) await ledger.release(e);
    },
  };
}
