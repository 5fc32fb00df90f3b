// Pure parsers for what the host probe reads; unit-tested on recorded outputs from
// this machine (hybrid v1, engine 20.10, compose v1) and from GitHub's runners (v2, BuildKit).

import type { CgroupMode, ComposeFlavour } from '../types/host.js';
export type { CgroupMode, ComposeFlavour };

export interface CgroupMount {
  path: string;
  version: 1 | 2;
  controllers: string[]; // v1: from mount options; v2: from cgroup.controllers (filled by the probe)
}

/** cgroup mounts from /proc/self/mountinfo text. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const mountPoint = pre.split(' ')[4];
    const [fstype, , superOpts = ''] = post.split(' ');
    if (fstype === 'cgroup2') out.push({ path: mountPoint!, version: 2, controllers: [] });
    else if (fstype === 'cgroup') {
      const known = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'devices', 'freezer', 'net_cls',
        'net_prio', 'perf_event', 'hugetlb', 'rdma', 'misc'];
      out.push({ path: mountPoint!, version: 1, controllers: superOpts.split(',').filter((o) => known.includes(o)) });
    }
  }
  return out;
}

/** v2 only: one cgroup2 mount and no v1 controller; hybrid: both; v1: v1 controllers only. */
export function cgroupMode(mounts: CgroupMount[]): CgroupMode {
  const v1 = mounts.some((m) => m.version === 1 && m.controllers.length > 0);
  const v2 = mounts.some((m) => m.version === 2);
  if (v1 && v2) return 'hybrid';
  if (v1) return 'v1';
  if (v2) return 'v2';
  return 'none';
}

/** "iptables v1.8.9 (nf_tables)" → { version: "1.8.9", backend: "nf_tables" } */
export function parseIptablesVersion(s: string): { version: string; backend: 'nf_tables' | 'legacy' } | null {
  const m = /iptables v([\d.]+)(?:\s+\((nf_tables|legacy)\))?/.exec(s);
  if (!m) return null;
  return { version: m[1]!, backend: (m[2] as 'nf_tables' | 'legacy') ?? 'legacy' };
}

/** "ip utility, iproute2-6.1.0, libbpf 1.1.2" or "ip utility, iproute2-ss200127" */
export function parseIproute2Version(s: string): string | null {
  const m = /iproute2-(?:ss)?([\w.]+)/.exec(s);
  return m ? m[1]! : null;
}


/**
 * Version text of `docker compose version --short`, `docker-compose version --short`
 * ("1.29.2", "2.27.0", "v2.27.0") → flavour and version.
 */
export function parseComposeVersion(text: string,
  via: 'plugin' | 'standalone' | 'podman'): { flavour: ComposeFlavour; version: string } | null {
  // podman-compose prints podman's version first: "podman version 5.4.2\npodman-compose version 1.3.0".
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(via === 'podman' ? (/podman-compose version (\S+)/.exec(text)?.[1] ?? text) : text);
  if (!m) return null;
  const version = `${m[1]}.${m[2]}.${m[3]}`;
  if (via === 'podman') return { flavour: 'podman-compose', version };
  if (via === 'plugin') return { flavour: 'v2-plugin', version };
  return { flavour: m[1] === '1' ? 'standalone-v1' : 'standalone-v2', version };
}

/** Engine version "20.10.24+dfsg1" → [20, 10, 24] */
export function semver(v: string): [number, number, number] {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : [0, 0, 0];
}

export function versionAtLeast(v: string, min: string): boolean {
  const a = semver(v);
  const b = semver(min);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

/**
 * Which builder `docker build` uses: BuildKit when DOCKER_BUILDKIT=1, or when the buildx
 * plugin is present and the engine is 23+ (its default); legacy otherwise.
 */
export function builderKind(opts: { env?: string; buildx: boolean; engine: string }): 'buildkit' | 'legacy' {
  if (opts.env === '0') return 'legacy';
  if (opts.env === '1') return 'buildkit';
  return opts.buildx && versionAtLeast(opts.engine, '23.0.0') ? 'buildkit' : 'legacy';
}
