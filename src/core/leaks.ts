// The leak check: a snapshot of everything a run could leave on the host, taken before and
// after; any difference is a leak, listed by kind. Docker is included only when it answers.
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { run, which } from './exec.js';
import { parseMountinfo } from './fs.js';
import { allRuns } from './runs.js';
import { runId } from './names.js';
import type { EngineName } from './engine.js';
import { setting, SETTINGS } from './settings.js';

export interface HostSnapshot {
  mounts: string[];
  netns: string[];
  links: string[];
  addresses: string[];
  routes: string[];
  cgroups: string[];
  containers: string[];
  networks: string[];
  images: string[];
  iptables: string[];
  /** nftables rules outside iptables' own tables (podman's netavark writes `table inet netavark`) */
  nftables: string[];
  sysctls: string[];
  tempdirs: string[];
  processes: string[];
  /** not compared: which interfaces belong to which run (docker bridges of isolab networks, their veths) */
  owned?: Record<string, string>;
}

export interface Leak {
  kind: Exclude<keyof HostSnapshot, 'owned'>;
  item: string;
  change: 'added' | 'removed';
  /** set when the change is not this run's leak, and why (then it does not fail the run) */
  not?: string;
}

/** A real leak of this run (not a host's first-use initialisation, not another live run's). */
export const isLeak = (l: Leak) => !l.not;

/**
 * A host's one-time initialisations, which any first user of the tool causes and no cleanup
 * undoes: the first `ip netns add` makes /run/netns a shared mount; an interface that comes up
 * for the first time (docker0 when its first container starts) gets an IPv6 link-local address
 * from the kernel. Only exactly these: an isolab link, or any other address or mount, is a leak.
 */
export function firstUse(l: Leak, before: HostSnapshot): string | null {
  if (l.change !== 'added') return null;
  if (l.kind === 'mounts' && /^\/run\/netns \(/.test(l.item))
    return "first use of `ip netns` on this host (the kernel's /run/netns mount); `isolab provision` makes it once";
  // Podman's first network use since boot creates netavark's table with fixed chains (recorded
  // in the trixie guest); a network's own chains (nv_…) and rules (addresses, interfaces) are not.
  if (l.kind === 'nftables' && l.item.startsWith('table inet netavark') && !before.nftables?.includes('table inet netavark')
    && !/\d+\.\d+\.\d+\.\d+|[0-9a-f]*::?[0-9a-f]*\/\d+|"|\bnv_/.test(l.item))
      return "first use of podman's networking on this host since boot: netavark's table and its fixed chains";
  if (l.kind === 'addresses') {
    const m = /^\d+:\s+(\S+)\s+inet6 fe80::\S+ scope link/.exec(l.item);
    if (m && !m[1]!.includes('isolab') && before.links.includes(m[1]!))
      return `first time ${m[1]} came up: the kernel's IPv6 link-local address; \`isolab provision\` brings it up once`;
  }
  // The same first carrier gives the interface its IPv6 link-local and multicast routes.
  if (l.kind === 'routes') {
    const m = /^(?:fe80::\/64|multicast ff00::\/8) dev (\S+) /.exec(l.item);
    if (m && !m[1]!.includes('isolab') && before.links.includes(m[1]!))
      return `first time ${m[1]} came up: the kernel's IPv6 link-local routes; \`isolab provision\` brings it up once`;
  }
  return null;
}

const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
const q = { check: false, timeoutMs: 15_000 } as const;

/** isolab cgroups, up to three levels below each hierarchy (v1 mounts and the v2 root). */
async function isolabCgroups(): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string, depth: number) {
    if (depth > 3) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = `${dir}/${e.name}`;
      if (e.name.includes('isolab')) out.push(p);
      else await walk(p, depth + 1);
    }
  }
  await walk('/sys/fs/cgroup', 0);
  return out.sort();
}

/** Normalized iptables-save: no counters, no comments, so only rules and chains compare. */
export function normalizeIptablesSave(text: string): string[] {
  return lines(text)
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/g, '[-]'));
}

/**
 * `ip route show table all` without the kernel's local/broadcast entries, and without `linkdown`:
 * that flag follows a bridge's carrier — docker0 is up while any container (or a BuildKit RUN
 * step) is attached, down a moment after — not a change of routes. (Leaving such routes out made
 * docker0's three routes "added" when a build's veth was still attached at the second snapshot:
 * a CI failure of the BuildKit test.)
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

/** The engines that answer: docker's daemon, and podman (daemonless) where it is installed. */
async function enginesUp(): Promise<EngineName[]> {
  const up: EngineName[] = [];
  for (const e of ['docker', 'podman'] as const) {
    const field = e === 'docker' ? '{{.Server.Version}}' : '{{.Client.Version}}';
    if ((await which(e)) && (await run(e, ['version', '--format', field], q)).exitCode === 0) up.push(e);
  }
  return up;
}

/**
 * Processes this run started (they inherit ISOLAB_RUN_ID): servers, hogs, sleepers. The
 * test runner's own node processes carry it too and are not counted.
 */
async function runProcesses(): Promise<string[]> {
  const id = setting('runId');
  if (!id) return [];
  const out: string[] = [];
  for (const p of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    const env = await readFile(`/proc/${p}/environ`, 'utf8').catch(() => '');
    if (!env.includes(`${SETTINGS.runId.env}=${id}\0`)) continue;
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    const comm = /\((.*)\) (\S)/.exec(stat);
    if (!comm || comm[2] === 'Z' || comm[1] === 'node' || comm[1] === 'esbuild' || comm[1] === 'npm exec'
      || comm[1] === 'sh' && /vitest/.test(await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => ''))) continue;
    out.push(`${p} ${(await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ').trim()}`);
  }
  return out;
}

/**
 * Networks as `<bridge> <name>`: docker's bridge is `br-<id12>` (full ids listed, so it maps
 * back), podman's is named in the network (podman1, …) and its entries say "podman".
 */
const networkIds = async (engines: EngineName[]) => [
  ...(engines.includes('docker')
    ? lines((await run('docker', ['network', 'ls', '--no-trunc', '--format', 'br-{{.ID}} {{.Name}}'], q)).stdout) : []),
  ...(engines.includes('podman')
    ? lines((await run('podman', ['network', 'ls', '--format', '{{.NetworkInterface}} podman {{.Name}}'], q)).stdout) : []),
].map((l) => l.replace(/^br-(\w{12})\w*/, 'br-$1'));

export async function snapshot(): Promise<HostSnapshot> {
  const engines = await enginesUp();
  // Both engines' lists in one; podman's entries say so (the two can hold the same names).
  const ds = async (args: string[]) => (await Promise.all(engines.map(async (e) =>
    lines((await run(e, args, q)).stdout).map((l) => (e === 'docker' ? l : `podman ${l}`))))).flat();
  // Networks are listed before and after the links: another run's bridge seen in the links had
  // its network in one of the two lists, even when that run created or removed it meanwhile.
  const netsBefore = await networkIds(engines);
  const [mountinfo, netns, linkLines, addresses, routes, cgroups, containers, netsDuring, images, ipt, nft, tmp] = await Promise.all([
    readFile('/proc/self/mountinfo', 'utf8'),
    run('ip', ['netns', 'list'], q).then((r) => lines(r.stdout).map((l) => l.split(' ')[0]!)),
    run('ip', ['-o', 'link', 'show'], q).then((r) => lines(r.stdout)),
    // `tentative` is a new IPv6 address's state until duplicate detection ends, a second later.
    run('ip', ['-o', 'addr', 'show'], q).then((r) =>
      lines(r.stdout).map((l) => l.replace(/\\.*$/, '').replace(/\s+valid_lft.*$/, '').replace(/ tentative\b/, '').trim())),
    run('ip', ['route', 'show', 'table', 'all'], q).then((r) => normalizeRoutes(r.stdout)),
    isolabCgroups(),
    // Whose each container is, read in the same listing: a build step's container can be gone
    // by the time a second command asks (CI: `hopeful_robinson`, listed, then counted a leak).
    ds(['ps', '-a', '--format', CONTAINER_FORMAT]),
    networkIds(engines),
    ds(['images', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']),
    (async () => ((await which('iptables-save')) ? normalizeIptablesSave((await run('iptables-save', [], q)).stdout) : []))(),
    (async () => ((await which('nft')) ? normalizeNftRuleset((await run('nft', ['list', 'ruleset'], q)).stdout) : []))(),
    readdir(tmpdir()).then((n) => n.filter((x) => x.startsWith('isolab-') && !x.startsWith('isolab-provision'))),
  ]);
  // After the rest, so the snapshot's own commands are not in it. (A zombie is already dead.)
  const ps = await runProcesses();
  const links = linkLines.map((l) => l.split(':')[1]!.trim().split('@')[0]!);
  const listed = containers.map(containerOwner);
  const networks = netsDuring.map((l) => l.slice(l.indexOf(' ') + 1));
  // Interfaces named for no run, but made for one: an isolab network's bridge and its veths.
  const owned: Record<string, string> = {};
  for (const l of [...netsBefore, ...netsDuring, ...(await networkIds(engines))]) {
    const [bridge, name] = l.replace(' podman ', ' ').split(' ');
    const m = /^isolab-([0-9a-z]{6})\b/.exec(name ?? '');
    if (m && bridge) owned[bridge] = m[1]!;
  }
  for (const l of linkLines) {
    const m = /^\d+:\s+([^:@\s]+)(?:@\S+)?:.* master (\S+)/.exec(l);
    if (m && owned[m[2]!]) owned[m[1]!] = owned[m[2]!]!;
  }
  for (const c of listed) if (c.owner === BUILD_STEP) owned[c.name] = BUILD_STEP;
  // A run's containers mount their rootfs and network namespace under the engine's folders.
  for (const e of engines) {
    const live = lines((await run(e, ['ps', '-aq'], q)).stdout);
    if (!live.length) continue;
    const fmt = '{{.Name}}\t{{index .Config.Labels "isolab.run"}}\t{{index .Config.Labels '
      + '"com.docker.compose.project"}}\t{{.GraphDriver.Data.MergedDir}}\t{{.NetworkSettings.SandboxKey}}\t{{.Config.Image}}';
    for (const l of lines((await run(e, ['inspect', '--format', fmt, ...live], q)).stdout)) {
      const [name = '', label = '', project = '', merged = '', sandbox = '', image = ''] = l.split('\t');
      const id = ownerOf(name, image, label, project);
      if (!id) continue;
      // The engine names the sandbox under /var/run, a link to /run, where mountinfo shows it.
      for (const p of [merged, sandbox.replace(/^\/var\/run\//, '/run/')]) if (p && p !== '<no value>') owned[p] = id;
    }
  }
  const sysctls: string[] = [];
  for (const k of ['net/ipv4/ip_forward', 'net/ipv4/conf/all/forwarding', 'net/ipv6/conf/all/forwarding']) {
    sysctls.push(`${k}=${(await readFile(`/proc/sys/${k}`, 'utf8').catch(() => '?')).trim()}`);
  }
  return {
    mounts: parseMountinfo(mountinfo).map((m) => `${m.mountPoint} (${m.fstype})`),
    netns,
    links,
    addresses,
    routes,
    cgroups,
    containers: listed.map((c) => c.entry),
    networks,
    images,
    iptables: ipt,
    nftables: nft,
    sysctls,
    tempdirs: tmp,
    processes: ps,
    owned,
  };
}

/** In `owned`: a classic build step's container and its mount, whose run cannot be told. */
const BUILD_STEP = 'build-step';

/** `docker ps` (and podman's) line: name, image, the isolab.run label, the compose project. */
const CONTAINER_FORMAT = '{{.Names}}\t{{.Image}}\t{{.Label "isolab.run"}}\t{{.Label "com.docker.compose.project"}}';

/**
 * A listed container as the snapshot keeps it (`name`, or `name (isolab-<id>)` when only its
 * label says whose it is: a bench rung's `run --rm`) and its owner when the listing tells: a
 * container started from an image id, not a name, is a classic build step's.
 */
export function containerOwner(line: string): { name: string; entry: string; owner?: string } {
  const podman = line.startsWith('podman ');
  const [name = '', image = '', label = '', project = ''] = line.replace(/^podman /, '').split('\t');
  const entry = `${podman ? 'podman ' : ''}${name}${label ? ` (isolab-${label})` : ''}`;
  const owner = ownerOf(name, image, label, project);
  return { name, entry, ...(owner ? { owner } : {}) };
}

/**
 * The run a container is for: its label, or the run its name or compose project names. The
 * classic builder runs each RUN step in a container with a random name, started from the
 * previous step's untagged image: whose build it is can only be guessed (anotherRun).
 */
function ownerOf(name: string, image: string, label: string, project: string): string | undefined {
  return label || RUN_ID.exec(`${name} ${project}`)?.[1] || (/^(sha256:)?[0-9a-f]{12,64}$/.test(image) ? BUILD_STEP : undefined);
}

const RUN_ID = /isolab-([0-9a-z]{6})(?![0-9a-z])/;

/**
 * Whose is a change that is not this run's? The run named in it (isolab-<id>…), or owning an
 * interface it names; a live run's is never a leak of this one, nor is what another run removed
 * of its own. An untagged image built while another run was building is that run's, probably.
 */
export function anotherRun(l: Leak, before: HostSnapshot, after: HostSnapshot, runs = allRuns(), me = runId()): string | null {
  const owned = { ...before.owned, ...after.owned };
  let id = RUN_ID.exec(l.item)?.[1];
  if (!id) for (const [iface, owner] of Object.entries(owned))
    if (new RegExp(`(^|[^\\w-])${iface.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w-]|$)`).test(l.item)) id = owner;
  const others = runs.filter((r) => r.live && r.id !== me);
  if (!id && l.kind === 'images' && l.change === 'added' && / <none>:<none>$/.test(l.item) && others.length) {
    return `an untagged image built while run ${others.map((r) => `${r.id} (pid ${r.pid})`).join(', ')} was live: its build's intermediate`;
  }
  if (id === BUILD_STEP) {
    if (l.change === 'added' && others.length)
      return `a build step's container (or its mount) while `
      + `run ${others.map((r) => `${r.id} (pid ${r.pid})`).join(', ')} was live: the classic builder's, started from an untagged image`;
    return null;
  }
  if (!id || id === me) return null;
  const r = runs.find((x) => x.id === id);
  if (r?.live) return `another run's (${id}, pid ${r.pid}), still running`;
  if (l.change === 'removed') return `another run's (${id}), removed by that run`;
  return null; // a dead run's leftover appearing now is a leak: \`isolab clean --run ${id}\`
}

/** Every difference, with `not` set on those that are not this run's leaks. */
export function diffHost(before: HostSnapshot, after: HostSnapshot): Leak[] {
  const leaks: Leak[] = [];
  for (const kind of Object.keys(before).filter((k) => k !== 'owned') as Array<Exclude<keyof HostSnapshot, 'owned'>>) {
    const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
    const b = count(before[kind]);
    const a = count(after[kind] ?? []);
    for (const [item, n] of a) if (n > (b.get(item) ?? 0)) leaks.push({ kind, item, change: 'added' });
    // Only the host's own settings count when removed: a run must not have changed them.
    if (kind === 'sysctls' || kind === 'iptables' || kind === 'nftables' || kind === 'addresses' || kind === 'routes')
      for (const [item, n] of b) if (n > (a.get(item) ?? 0)) leaks.push({ kind, item, change: 'removed' });
  }
  // A process that was already running before is not ours; pids are unique enough per run.
  const runs = allRuns();
  return leaks.map((l) => {
    const why = firstUse(l, before) ?? anotherRun(l, before, after, runs);
    return why ? { ...l, not: why } : l;
  });
}

/** This run's leaks: the differences that are neither first use nor another run's. */
export function diffSnapshots(before: HostSnapshot, after: HostSnapshot): Leak[] {
  return diffHost(before, after).filter(isLeak);
}

/**
 * Host state a container engine holds for its containers and networks: their rootfs and netns
 * mounts, bridges and veths, the addresses and routes on them, its iptables chains. When the
 * engine died under a run, these cannot be told apart from leaks (the engine cannot be asked
 * whose they are) and no run can remove them until it is back.
 */
export function engineHeld(l: Leak): boolean {
  const dev = /\b(br-[0-9a-f]{12}|docker0|veth[0-9a-f]{7}|podman\d+)\b/;
  switch (l.kind) {
    case 'mounts': return /^\/(var\/lib\/(docker|containers)|run\/(docker|containers|netns\/netns-))\//.test(l.item);
    case 'links': return dev.test(l.item);
    case 'addresses': case 'routes': return dev.test(l.item);
    case 'iptables': return dev.test(l.item) || /\bDOCKER\b/.test(l.item);
    case 'nftables': return /netavark/.test(l.item);
    default: return false;
  }
}

/** With the engine gone at the end of a run: what it holds is unchecked, not a leak — said so. */
export function engineUnchecked(leaks: Leak[], engine: string): Leak[] {
  return leaks.map((l) => (isLeak(l) && engineHeld(l)
    ? { ...l, not: `held by the ${engine} engine, which stopped answering during the run: unchecked; once it is `
      + `back (\`isolab provision\`), \`isolab clean\` removes this run's` }
    : l));
}
