// The leak check's reading of the host: everything a run could leave — mounts, namespaces,
// links, addresses, routes, cgroups, the engines' containers, networks and images, firewall
// rules, forwarding sysctls, temp dirs, the run's processes — and which interfaces and engine
// mounts belong to which run. An engine is read only when it answers.
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { run, which } from '../core/exec.js';
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

/**
 * Images as `<id> <repo>:<tag>` lines (`<none>:<none>` untagged), and the run each cache layer's
 * label names — docker's read in one inspect, so a layer listed is never one whose label was
 * read too late (another run removing its cache meanwhile).
 */
async function imageList(engines: EngineName[]): Promise<{ lines: string[]; owners: Record<string, string> }> {
  const out: string[] = [];
  const owners: Record<string, string> = {};
  if (engines.includes('docker')) {
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
    // Whose each container is, read in the same listing: a build step's container (a random
    // name) can be gone by the time a second command asks.
    ds(['ps', '-a', '--format', CONTAINER_FORMAT]),
    networkIds(engines),
    imageList(engines),
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
    else if (m && DEFAULT_BRIDGES.includes(m[2]!)) owned[m[1]!] = DEFAULT_BRIDGE_VETH;
  }
  for (const c of listed) if (c.owner === BUILD_STEP) owned[c.name] = BUILD_STEP;
  // A run's build cache names its run in a label (`sha256:<id>` → run): whose a layer is, not a guess.
  Object.assign(owned, images.owners);
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
    images: images.lines,
    iptables: ipt,
    nftables: nft,
    sysctls,
    tempdirs: tmp,
    processes: ps,
    owned,
  };
}
