// A container from isolab's own checked primitives, Bocker-style: an overlay rootfs (the base
// image's filesystem as the lower, a fresh upper), new pid/mount/uts/ipc/net namespaces,
// pivot_root into the merged dir with /proc mounted, a hostname, a cgroup with cpu weight,
// memory and pids limits, and a veth into a bridge namespace that NATs outbound traffic —
// every piece inside isolab's namespaces and undone by the ledger.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Ledger } from '../core/ledger.js';
import { scratchDir } from '../core/fs.js';
import { mountOverlay } from '../overlay/mount.js';
import { buildTopology, type Net } from '../netns/build.js';
import type { Topology } from '../netns/topology.js';
import { cgroupDriver } from '../cgroups/select.js';
import type { HostInfo } from '../types/host.js';
import { unpackImage } from '../oci/bundle.js';

export interface ContainerSpec {
  hostname: string;
  /** a prepared rootfs (prepareRootfs): the overlay's read-only lower */
  rootfs: string;
  command: string[];
  env?: Record<string, string>;
  limits?: { cpuWeight?: number; memoryBytes?: number; pids?: number };
  network?: boolean;
  timeoutMs?: number;
}

export interface ContainerRun {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  upper: string;
  merged: string;
  durationMs: number;
  /** the bridge namespace's address the container reaches, when networked */
  gateway?: string;
  address?: string;
  net?: Net;
}

/** The busybox base image's filesystem, unpacked once, with the mount point pivot_root needs. */
export async function prepareRootfs(ledger: Ledger, image: string): Promise<string> {
  const dir = await scratchDir(ledger, 'rootfs', { sizeMb: 64 });
  const rootfs = path.join(dir, 'rootfs');
  await unpackImage(image, rootfs);
  await mkdir(path.join(rootfs, '.oldroot'), { recursive: true });
  return rootfs;
}

/** The bridge namespace: br0 10.88.0.1/24, the container's veth as a port, NAT out to "wan". */
export const containerNetwork: Topology = {
  name: 'container-net',
  hosts: ['bridge', 'ctr', 'wan'],
  links: [
    { type: 'veth', a: { host: 'ctr', dev: 'eth0', addr: '10.88.0.2/24' }, b: { host: 'bridge', dev: 'veth-ctr' } },
    { type: 'bridge', host: 'bridge', dev: 'br0', addr: '10.88.0.1/24', ports: ['veth-ctr'] },
    { type: 'veth', a: { host: 'bridge', dev: 'wan0', addr: '203.0.113.1/24' }, b: { host: 'wan', dev: 'eth0', addr: '203.0.113.2/24' } },
  ],
  routes: [{ host: 'ctr', to: 'default', via: '10.88.0.1' }],
  forwarding: ['bridge'],
  nat: [{ host: 'bridge', source: '10.88.0.0/24', out: 'wan0' }],
};

// Runs as PID 1 of the new pid namespace, in its own mount namespace, before the command.
const INIT = [
  'set -e',
  'mount --make-rprivate /',
  'echo "$ISOLAB_HOSTNAME" > /proc/sys/kernel/hostname',
  // A minimal /dev, as runtimes provide: a tmpfs with the host's harmless character devices.
  'mount -t tmpfs -o mode=755,size=64k isolab-dev "$ISOLAB_ROOT/dev"',
  'for d in null zero full random urandom tty; do touch "$ISOLAB_ROOT/dev/$d"; mount --bind "/dev/$d" "$ISOLAB_ROOT/dev/$d"; done',
  'cd "$ISOLAB_ROOT"',
  // util-linux 2.42 (Debian sid) moved pivot_root to util-linux-extra: busybox's applet then.
  'if command -v pivot_root >/dev/null; then pivot_root . .oldroot; else busybox pivot_root . .oldroot; fi',
  'cd /',
  'mount -t proc proc /proc',
  'umount -l /.oldroot',
  'exec "$@"',
].join('\n');

export async function runInContainer(ledger: Ledger, host: HostInfo, spec: ContainerSpec): Promise<ContainerRun> {
  const started = performance.now();
  const dir = await scratchDir(ledger, 'ctr', { sizeMb: 64 });
  const [upper, work, merged] = ['upper', 'work', 'merged'].map((d) => path.join(dir, d));
  for (const d of [upper, work, merged]) await mkdir(d!);
  await mountOverlay(ledger, { lower: [spec.rootfs], upper, work, target: merged! });

  const driver = cgroupDriver(host);
  const want: Array<'cpu' | 'memory' | 'pids'> = ['cpu', 'memory', 'pids'];
  const group = await driver.create(ledger, spec.hostname, want);
  if (spec.limits?.cpuWeight) await group.setWeight(spec.limits.cpuWeight);
  if (spec.limits?.memoryBytes) await group.setMemoryLimit(spec.limits.memoryBytes);
  if (spec.limits?.pids) await group.setPidsLimit(spec.limits.pids);

  let net: Net | undefined;
  const nsEnter: string[] = [];
  if (spec.network !== false) {
    net = await buildTopology(ledger, containerNetwork);
    nsEnter.push('ip', 'netns', 'exec', net.ns('ctr'));
  }
  const env = { ...spec.env, ISOLAB_ROOT: merged!, ISOLAB_HOSTNAME: spec.hostname };
  // A clean environment: nothing of the host's leaks in but a PATH that finds both the host's
  // tools (before pivot_root) and busybox's (after).
  const argv = [
    'env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    ...nsEnter,
    'unshare', '--fork', '--pid', '--mount', '--uts', '--ipc', '--kill-child',
    ...(net ? [] : ['--net']),
    '/bin/sh', '-c', INIT, 'init', ...spec.command,
  ];
  const p = await group.exec(ledger, argv, { maxLifeMs: (spec.timeoutMs ?? 30_000) + 5000 });
  const res = await p.exited(spec.timeoutMs ?? 30_000);
  if (!res) {
    await p.stop(200);
    throw new Error(`container ${spec.hostname} did not exit within ${(spec.timeoutMs ?? 30_000) / 1000} `
      + `s: ${p.output().stderr.slice(-500)}`);
  }
  return {
    exitCode: res.exitCode,
    signal: res.signal,
    stdout: res.stdout,
    stderr: res.stderr,
    upper: upper!,
    merged: merged!,
    durationMs: performance.now() - started,
    ...(net ? { gateway: '10.88.0.1', address: '10.88.0.2', net } : {}),
  };
}
