// The leak check's reading of the host: everything a run could leave — mounts, namespaces,
// links, addresses, routes, cgroups, the engines' containers, networks and images, firewall
// rules, forwarding sysctls, temp dirs, the run's processes — and which interfaces and engine
// mounts belong to which run. An engine is read only when it answers.
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { run, which } from '../core/exec.js';
import { engineGet, enginePing, engineSocket } from '../docker/engine-api.js';
import { parseMountinfo } from '../core/fs.js';
import type { EngineName } from '../core/engine-name.js';
import { setting, SETTINGS } from '../core/settings.js';
import type { HostSnapshot } from './types.js';
import { CACHE_LABEL } from '../core/names.js';
import { lines, normalizeIptablesSave, normalizeNftRuleset, normalizeRoutes } from './normalize.js';
import { BUILD_STEP, CONTAINER_FORMAT, DEFAULT_BRIDGES, DEFAULT_BRIDGE_VETH, containerOwner, ownerOf } from './owners.js';

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

/**
 * The engines that answer — docker's daemon, and podman (daemonless) where it is installed —
 * each with its networks as `networkIds` lists them: the listing is the question (one call less
 * on the snapshot's path, which a grade takes twice). Docker is read on its socket where the
 * CLI would talk to that socket (engine-api.ts), through the CLI otherwise.
 */
async function enginesUp(): Promise<{ engines: EngineName[]; networks: string[] }> {
  const up = await Promise.all((['docker', 'podman'] as const).map(async (e) => {
    if (!(await which(e))) return null;
    if (e === 'docker' && apiSocket) {
      const nets = await apiNetworks().catch(() => null);
      if (nets) return { e, networks: nets };
    }
    const r = await run(e, networkListing(e), q);
    return r.exitCode === 0 ? { e, networks: networkLines(e, r.stdout) } : null;
  }));
  const found = up.filter((x): x is NonNullable<typeof x> => !!x);
  return { engines: found.map((x) => x.e), networks: found.flatMap((x) => x.networks) };
}

// Docker's listings on its socket, in the CLI's formats (the diff and owners.ts read those).
let apiSocket: string | null = null;
const apiNetworks = async () => (await engineGet<Array<{ Id: string; Name: string }>>(apiSocket!, '/networks'))
  .map((n) => `br-${n.Id.slice(0, 12)} ${n.Name}`);
type ApiContainer = { Id: string; Names: string[]; Image: string; Labels: Record<string, string> | null };
/** As CONTAINER_FORMAT prints them: the first name that is no link, the image, the two labels. */
const apiContainers = async () => (await engineGet<ApiContainer[]>(apiSocket!, '/containers/json?all=1')).map((c) => {
  const names = c.Names.map((n) => n.replace(/^\//, ''));
  const label = (k: string) => c.Labels?.[k] ?? '';
  return { id: c.Id, line: [names.find((n) => !n.includes('/')) ?? names[0] ?? '', c.Image, label('isolab.run'),
    label('com.docker.compose.project')].join('\t') };
});
async function apiImages(): Promise<{ lines: string[]; owners: Record<string, string> }> {
  const out: string[] = [];
  const owners: Record<string, string> = {};
  for (const i of await engineGet<Array<{ Id: string; RepoTags: string[] | null; Labels: Record<string, string> | null }>>(apiSocket!,
    '/images/json?all=1')) {
    const owner = i.Labels?.[CACHE_LABEL];
    if (owner) owners[i.Id] = owner;
    const named = (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    for (const t of named.length ? named : ['<none>:<none>']) out.push(`${i.Id} ${t}`);
  }
  return { lines: out, owners };
}
type ApiInspect = { Name: string; Config: { Labels: Record<string, string> | null; Image: string };
  GraphDriver?: { Data?: Record<string, string> | null }; NetworkSettings?: { SandboxKey?: string } };
/** As containerMounts prints them; a container gone meanwhile is left out. */
const apiMounts = async (ids: string[]) => (await Promise.all(ids.map((id) =>
  engineGet<ApiInspect>(apiSocket!, `/containers/${id}/json`).then((c) => [c.Name, c.Config.Labels?.['isolab.run'] ?? '',
    c.Config.Labels?.['com.docker.compose.project'] ?? '', c.GraphDriver?.Data?.MergedDir ?? '', c.NetworkSettings?.SandboxKey ?? '',
    c.Config.Image].join('\t'), () => null)))).filter((l): l is string => l !== null);

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
const networkListing = (e: EngineName) => (e === 'docker' ? ['network', 'ls', '--no-trunc', '--format', 'br-{{.ID}} {{.Name}}']
  : ['network', 'ls', '--format', '{{.NetworkInterface}} podman {{.Name}}']);
const networkLines = (e: EngineName, out: string) => (e === 'docker' ? lines(out).map((l) => l.replace(/^br-(\w{12})\w*/, 'br-$1')) : lines(out));
const networkIds = async (engines: EngineName[], api: (e: EngineName) => boolean) =>
  (await Promise.all(engines.map(async (e) => (api(e) ? apiNetworks().catch(() => [])
    : networkLines(e, (await run(e, networkListing(e), q)).stdout))))).flat();

/** Per container of an engine: its name, run label, compose project, rootfs mount, netns path and image. */
async function containerMounts(e: EngineName): Promise<string[]> {
  const live = lines((await run(e, ['ps', '-aq'], q)).stdout);
  if (!live.length) return [];
  const fmt = '{{.Name}}\t{{index .Config.Labels "isolab.run"}}\t{{index .Config.Labels '
    + '"com.docker.compose.project"}}\t{{.GraphDriver.Data.MergedDir}}\t{{.NetworkSettings.SandboxKey}}\t{{.Config.Image}}';
  // One gone meanwhile fails its own entry only: the others are printed.
  return lines((await run(e, ['inspect', '--format', fmt, ...live], q)).stdout);
}

/**
 * Images as `<id> <repo>:<tag>` lines (`<none>:<none>` untagged), and the run each cache layer's
 * label names — docker's read in one inspect, so a layer listed is never one whose label was
 * read too late (another run removing its cache meanwhile).
 */
async function imageList(engines: EngineName[], api: (e: EngineName) => boolean): Promise<{ lines: string[]; owners: Record<string, string> }> {
  const out: string[] = [];
  const owners: Record<string, string> = {};
  if (engines.includes('docker') && api('docker')) {
    const a = await apiImages().catch(() => ({ lines: [], owners: {} }));
    out.push(...a.lines);
    Object.assign(owners, a.owners);
  } else if (engines.includes('docker')) {
    const ids = lines((await run('docker', ['images', '-a', '-q', '--no-trunc'], q)).stdout);
    const fmt = `{{.Id}}\t{{if .Config.Labels}}{{index .Config.Labels "${CACHE_LABEL}"}}{{end}}\t{{range .RepoTags}}{{.}} {{end}}`;
    const r = ids.length ? await run('docker', ['image', 'inspect', '--format', fmt, ...new Set(ids)], q) : null;
    for (const l of lines(r?.stdout ?? '')) {
      const [id = '', owner = '', tags = ''] = l.split('\t');
      if (owner && owner !== '<no value>') owners[id] = owner;
      const named = tags.split(' ').filter(Boolean);
      for (const t of named.length ? named : ['<none>:<none>']) out.push(`${id} ${t}`);
    }
  }
  if (engines.includes('podman'))
    out.push(...lines((await run('podman', ['images', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'], q)).stdout)
      .map((l) => `podman ${l}`));
  return { lines: out, owners };
}

export async function snapshot(): Promise<HostSnapshot> {
  // The socket is used where it answers (a user outside the docker group reads through the CLI, which fails as it would).
  apiSocket = engineSocket();
  if (apiSocket && !(await enginePing(apiSocket))) apiSocket = null;
  const { engines, networks: netsBefore } = await enginesUp();
  const api = (e: EngineName) => e === 'docker' && !!apiSocket;
  // Both engines' lists in one; podman's entries say so (the two can hold the same names).
  const ds = async (args: string[]) => (await Promise.all(engines.filter((e) => !api(e)).map(async (e) =>
    lines((await run(e, args, q)).stdout).map((l) => (e === 'docker' ? l : `podman ${l}`))))).flat();
  let apiListed: Array<{ id: string; line: string }> = [];
  const containerLines = async () => [...(engines.some(api) ? (apiListed = await apiContainers().catch(() => [])).map((c) => c.line) : []),
    ...await ds(['ps', '-a', '--format', CONTAINER_FORMAT])];
  // Networks are listed before and after the links: another run's bridge seen in the links had
  // its network in one of the two lists, even when that run created or removed it meanwhile.
  const [mountinfo, netns, linkLines, addresses, routes, cgroups, containers, netsDuring, images, ipt, nft, tmp] = await Promise.all([
    readFile('/proc/self/mountinfo', 'utf8'),
    run('ip', ['netns', 'list'], q).then((r) => lines(r.stdout).map((l) => l.split(' ')[0]!)),
    run('ip', ['-o', 'link', 'show'], q).then((r) => lines(r.stdout)),
    // `tentative` is a new IPv6 address's state until duplicate detection ends, a second later.
    run('ip', ['-o', 'addr', 'show'], q).then((r) =>
      lines(r.stdout).map((l) => l.replace(/\\.*$/, '').replace(/\s+valid_lft.*$/, '').replace(/ tentative\b/, '').trim())),
    run('ip', ['route', 'show', 'table', 'all'], q).then((r) => normalizeRoutes(r.stdout)),
    isolabCgroups(),
    // Whose each container is, read in the same listing: a build step's container (a random
    // name) can be gone by the time a second command asks.
    containerLines(),
    networkIds(engines, api),
    imageList(engines, api),
    (async () => ((await which('iptables-save')) ? normalizeIptablesSave((await run('iptables-save', [], q)).stdout) : []))(),
    (async () => ((await which('nft')) ? normalizeNftRuleset((await run('nft', ['list', 'ruleset'], q)).stdout) : []))(),
    readdir(tmpdir()).then((n) => n.filter((x) => x.startsWith('isolab-') && !x.startsWith('isolab-provision'))),
  ]);
  // After the rest, so the snapshot's own commands are not in it. (A zombie is already dead.)
  // The containers' mounts and the networks' second listing meanwhile: engine calls, not processes.
  const [ps, mountLines, netsAfter] = await Promise.all([runProcesses(),
    Promise.all(engines.map(async (e) => (api(e) ? apiMounts(apiListed.map((c) => c.id)) : containerMounts(e)))), networkIds(engines, api)]);
  const links = linkLines.map((l) => l.split(':')[1]!.trim().split('@')[0]!);
  const listed = containers.map(containerOwner);
  const networks = netsDuring.map((l) => l.slice(l.indexOf(' ') + 1));
  // Interfaces named for no run, but made for one: an isolab network's bridge and its veths.
  const owned: Record<string, string> = {};
  for (const l of [...netsBefore, ...netsDuring, ...netsAfter]) {
    const [bridge, name] = l.replace(' podman ', ' ').split(' ');
    const m = /^isolab-([0-9a-z]{6})\b/.exec(name ?? '');
    if (m && bridge) owned[bridge] = m[1]!;
  }
  for (const l of linkLines) {
    const m = /^\d+:\s+([^:@\s]+)(?:@\S+)?:.* master (\S+)/.exec(l);
    if (m && owned[m[2]!]) owned[m[1]!] = owned[m[2]!]!;
    else if (m && DEFAULT_BRIDGES.includes(m[2]!)) owned[m[1]!] = DEFAULT_BRIDGE_VETH;
  }
  for (const c of listed) if (c.owner === BUILD_STEP) owned[c.name] = BUILD_STEP;
  // A run's build cache names its run in a label (`sha256:<id>` → run): whose a layer is, not a guess.
  Object.assign(owned, images.owners);
  // A run's containers mount their rootfs and network namespace under the engine's folders.
  for (const l of mountLines.flat()) {
    const [name = '', label = '', project = '', merged = '', sandbox = '', image = ''] = l.split('\t');
    const id = ownerOf(name, image, label, project);
    if (!id) continue;
    // The engine names the sandbox under /var/run, a link to /run, where mountinfo shows it.
    for (const p of [merged, sandbox.replace(/^\/var\/run\//, '/run/')]) if (p && p !== '<no value>') owned[p] = id;
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
    images: images.lines,
    iptables: ipt,
    nftables: nft,
    sysctls,
    tempdirs: tmp,
    processes: ps,
    owned,
  };
}
