// `isolab doctor`: what this host can do, and for each missing prerequisite why it matters
// and the command that fixes it.
import { probeHost, type HostInfo } from '../../host/probe.js';
import { table, ok, bad, warn } from '../ui.js';

interface Row {
  what: string;
  value: string;
  good: boolean | null;
  why?: string;
  fix?: string;
}

/** Why no engine answers, and the fix for that cause (not the same for every cause). */
function engineFix(reason = ''): string {
  if (/permission denied/i.test(reason))
    return 'this user may not use the engine\'s socket: add it to the docker group (sudo usermod -aG docker $USER, '
    + 'then log in again), or run as root (sudo npx isolab …)';
  if (/not installed/.test(reason)) return 'sudo npx isolab provision (installs docker.io and starts it)';
  return 'start the engine: sudo npx isolab provision starts dockerd when none answers (or systemctl start docker)';
}

export function doctorRows(h: HostInfo): Row[] {
  // Without an engine to ask, the builder and the images are unknown, not missing.
  const unknown = h.docker ? null : 'unknown: no engine to ask (see docker engine)';
  const cg = Object.entries(h.cgroupControllers).filter(([k]) =>
    ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids'].includes(k)).map(([k, v]) => `${k}(v${v.version})`).join(' ');
  return [
    { what: 'kernel', value: `${h.kernel} ${h.arch}, ${h.cpus} CPUs`, good: true },
    { what: 'root', value: String(h.root), good: h.root,
      why: 'mounts, namespaces, cgroups and iptables need root (grading and the image/compose checks only need the '
      + 'engine)', fix: 'sudo npx isolab …' },
    { what: 'cgroups', value: `${h.cgroup}: ${cg}`, good: h.cgroup !== 'none',
      why: 'the cgroups suite needs cpu, memory and pids controllers' },
    { what: 'overlayfs', value: h.overlay.supported
      ? `yes, whiteouts as ${h.overlay.whiteout === 'chardev' ? '0/0 char devices' : h.overlay.whiteout}`
      : `no: ${h.overlay.reason}`, good: h.overlay.supported, why: 'the overlay suite mounts overlays',
      fix: h.root ? 'modprobe overlay'
      : 'run as root (sudo npx isolab …): mounting needs it; image and compose checks and grading do not' },
    { what: 'iproute2', value: h.iproute2 ?? 'missing', good: !!h.iproute2,
      why: 'the netns suite builds namespaces and veth pairs', fix: 'apt-get install iproute2' },
    { what: 'iptables', value: h.iptables ? `${h.iptables.version} (${h.iptables.backend})` : 'missing',
      good: !!h.iptables, why: 'NAT inside namespaces', fix: 'apt-get install iptables' },
    { what: 'docker engine',
      value: h.docker ? `${h.docker.engine} (API ${h.docker.api}, ${h.docker.storageDriver}, `
      + `cgroup ${h.docker.cgroupDriver} v${h.docker.cgroupVersion}; client ${h.docker.client})`
      : `none: ${h.dockerReason}`, good: !!h.docker, why: 'image, compose and docker cgroup checks',
      fix: h.docker ? undefined : engineFix(h.dockerReason) },
    { what: 'compose', value: h.compose ? `${h.compose.flavour} ${h.compose.version} (${h.compose.command.join(' ')})`
      : 'none', good: !!h.compose, why: 'the compose claims', fix: 'sudo npx isolab provision' },
    { what: 'builder', value: unknown ?? h.builder ?? '—', good: unknown ? null : h.builder !== null,
      why: 'builds for the image and compose claims', fix: 'sudo npx isolab provision' },
    { what: 'base images', value: unknown
      ?? `busybox: ${h.images.busybox ?? 'missing'}, go: ${h.images.go ?? 'missing'}`,
      good: unknown ? null : !!(h.images.busybox && (h.images.go || h.registry)),
      why: 'builds run offline from local base images (with a registry, golang:alpine is pulled)', fix: 'sudo npx isolab provision' },
    { what: 'registry', value: h.registry ? 'reachable' : 'not reachable (offline: local base images stand in)',
      good: h.registry ? true : null },
    { what: 'runc', value: h.runc ?? 'missing', good: !!h.runc, why: 'the OCI-runtime rung of the bench', fix: 'apt-get install runc' },
    { what: 'podman', value: h.podman.usable ? 'usable' : `not usable: ${h.podman.reason}`, good: h.podman.usable ? true : null },
    { what: 'qemu', value: h.qemu ?? 'missing', good: !!h.qemu, why: 'the VM rung of the bench', fix: 'apt-get install qemu-system-x86' },
    { what: 'kvm', value: h.kvm.usable === true ? 'usable'
      : `${h.kvm.usable === false ? 'not usable' : 'unknown'}: ${h.kvm.reason}`, good: h.kvm.usable ? true : null,
      why: 'VMs fall back to TCG (slower) without it' },
    { what: 'tools', value: Object.entries(h.tools).map(([t, v]) => `${t}${v ? '' : '✗'}`).join(' '),
      good: Object.values(h.tools).every(Boolean), fix: 'sudo npx isolab provision' },
  ];
}

export async function doctor(opts: { json?: boolean; kvm?: boolean }): Promise<number> {
  const h = await probeHost({ kvmBoot: opts.kvm !== false });
  if (opts.json) {
    process.stdout.write(JSON.stringify(h, null, 2) + '\n');
    return 0;
  }
  const rows = doctorRows(h);
  process.stdout.write(table(rows.map((r) =>
    [r.good === true ? ok('✓') : r.good === false ? bad('✗') : warn('–'), r.what, r.value]), ['', 'check', 'found']) + '\n');
  const missing = rows.filter((r) => r.good === false);
  if (missing.length) {
    process.stdout.write('\nmissing prerequisites:\n');
    for (const r of missing)
      process.stdout.write(`  ${bad('✗')} ${r.what}: ${r.why ?? 'needed by a suite'} — fix: ${r.fix ?? 'see README'}\n`);
  }
  return 0;
}
