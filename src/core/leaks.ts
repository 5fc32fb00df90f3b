// The leak check: a snapshot of everything a run could leave on the host, taken before and
// after; any difference is a leak, listed by kind. Docker is included only when it answers.
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { run, which } from './exec.js';
import { parseMountinfo } from './fs.js';

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
  sysctls: string[];
  tempdirs: string[];
  processes: string[];
}

export interface Leak {
  kind: keyof HostSnapshot;
  item: string;
  change: 'added' | 'removed';
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

async function dockerUp(): Promise<boolean> {
  return !!(await which('docker')) && (await run('docker', ['version', '--format', '{{.Server.Version}}'], q)).exitCode === 0;
}

/**
 * Processes this run started (they inherit ISOLAB_RUN_ID): servers, hogs, sleepers. The
 * test runner's own node processes carry it too and are not counted.
 */
async function runProcesses(): Promise<string[]> {
  const id = process.env.ISOLAB_RUN_ID;
  if (!id) return [];
  const out: string[] = [];
  for (const p of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    const env = await readFile(`/proc/${p}/environ`, 'utf8').catch(() => '');
    if (!env.includes(`ISOLAB_RUN_ID=${id}\0`)) continue;
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    const comm = /\((.*)\) (\S)/.exec(stat);
    if (!comm || comm[2] === 'Z' || comm[1] === 'node' || comm[1] === 'esbuild' || comm[1] === 'npm exec' || comm[1] === 'sh' && /vitest/.test(await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => ''))) continue;
    out.push(`${p} ${(await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ').trim()}`);
  }
  return out;
}

export async function snapshot(): Promise<HostSnapshot> {
  const docker = await dockerUp();
  const ds = async (args: string[]) => (docker ? lines((await run('docker', args, q)).stdout) : []);
  const [mountinfo, netns, links, addresses, routes, cgroups, containers, networks, images, ipt, tmp] = await Promise.all([
    readFile('/proc/self/mountinfo', 'utf8'),
    run('ip', ['netns', 'list'], q).then((r) => lines(r.stdout).map((l) => l.split(' ')[0]!)),
    run('ip', ['-o', 'link', 'show'], q).then((r) => lines(r.stdout).map((l) => l.split(':')[1]!.trim().split('@')[0]!)),
    run('ip', ['-o', 'addr', 'show'], q).then((r) => lines(r.stdout).map((l) => l.replace(/\\.*$/, '').replace(/\s+valid_lft.*$/, '').trim())),
    run('ip', ['route', 'show', 'table', 'all'], q).then((r) => lines(r.stdout).filter((l) => !/ linkdown|^(local|broadcast) /.test(l))),
    isolabCgroups(),
    ds(['ps', '-a', '--format', '{{.Names}}']),
    ds(['network', 'ls', '--format', '{{.Name}}']),
    ds(['images', '-a', '-q', '--no-trunc']),
    (async () => ((await which('iptables-save')) ? normalizeIptablesSave((await run('iptables-save', [], q)).stdout) : []))(),
    readdir(tmpdir()).then((n) => n.filter((x) => x.startsWith('isolab-') && !x.startsWith('isolab-provision'))),
  ]);
  // After the rest, so the snapshot's own commands are not in it. (A zombie is already dead.)
  const ps = await runProcesses();
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
    containers,
    networks,
    images,
    iptables: ipt,
    sysctls,
    tempdirs: tmp,
    processes: ps,
  };
}

export function diffSnapshots(before: HostSnapshot, after: HostSnapshot): Leak[] {
  const leaks: Leak[] = [];
  for (const kind of Object.keys(before) as Array<keyof HostSnapshot>) {
    const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
    const b = count(before[kind]);
    const a = count(after[kind] ?? []);
    for (const [item, n] of a) if (n > (b.get(item) ?? 0)) leaks.push({ kind, item, change: 'added' });
    // Only the host's own settings count when removed: a run must not have changed them.
    if (kind === 'sysctls' || kind === 'iptables' || kind === 'addresses' || kind === 'routes') for (const [item, n] of b) if (n > (a.get(item) ?? 0)) leaks.push({ kind, item, change: 'removed' });
  }
  // A process that was already running before is not ours; pids are unique enough per run.
  return leaks;
}
