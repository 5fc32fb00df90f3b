// Requirement gates: a check names what it needs; on a host without it the claim is `skip`
// with the missing capability as the reason — never pass. Under CI (or ISOLAB_STRICT=1) a
// skip of a capability that provisioning is expected to provide is a failure instead, so a
// broken provision cannot hide behind skips.
import type { HostInfo } from '../host/probe.js';
import { setting, flag, list } from '../core/settings.js';

export type Capability =
  | 'root' | 'overlay' | 'netns' | 'iptables' | 'multi-cpu' | 'two-cpus'
  | 'cgroup.cpu' | 'cgroup.memory' | 'cgroup.pids' | 'cgroup.v2' | 'cgroup.cpuset' | 'cgroup.freeze' | 'cgroup.memory-high'
  | 'docker' | 'compose' | 'image.busybox' | 'image.go'
  | 'userns' | 'tool.unshare' | 'tool.taskset' | 'tool.busybox' | 'tool.getfattr' | 'tool.hyperfine'
  | 'runc' | 'qemu' | 'kvm' | 'registry' | 'emulation';

/** What provisioning gives every supported host; skipping these under CI is a failure. */
const PROVIDED: ReadonlySet<Capability> = new Set<Capability>([
  'root', 'overlay', 'netns', 'iptables', 'multi-cpu', 'cgroup.cpu', 'cgroup.memory', 'cgroup.pids', 'cgroup.cpuset', 'cgroup.freeze',
  'docker', 'compose', 'image.busybox', 'image.go', 'tool.unshare', 'tool.taskset', 'tool.busybox', 'tool.getfattr',
    'tool.hyperfine', 'runc', 'qemu',
  'emulation',
]);

const fix = {
  provision: 'run `sudo npx isolab provision`',
};

/** null when the host has it, else the reason it does not (with the fix). */
export function missing(host: HostInfo, cap: Capability): string | null {
  const c = host.cgroupControllers;
  switch (cap) {
    case 'root':
      return host.root ? null : 'needs root (mounts, namespaces and cgroups are privileged): run with sudo';
    case 'overlay':
      return host.overlay.supported ? null : `overlayfs cannot be mounted here: ${host.overlay.reason ?? 'unknown'}`;
    case 'netns':
      return host.root && host.iproute2 ? null : 'needs root and iproute2 (`ip netns`): ' + fix.provision;
    case 'iptables':
      return host.iptables ? null : 'iptables not installed: ' + fix.provision;
    case 'multi-cpu':
      // A guest under single-threaded TCG has 2 vCPUs that take turns on one host thread: no two
      // of them ever run at once, so "each hog on a CPU of its own" cannot happen there.
      if (flag('vcpusSerial')) return "needs CPUs that run in parallel: this guest's vCPUs take turns on one emulator thread (TCG)";
      return host.cpus >= 2 ? null : `needs at least 2 CPUs, this host has ${host.cpus}`;
    case 'two-cpus':
      // CPUs to choose between, parallel or not (a cpuset confines to some of them).
      return host.cpus >= 2 ? null : `needs at least 2 CPUs, this host has ${host.cpus}`;
    case 'cgroup.cpu':
      return c.cpu && (c.cpu.version === 2 || c.cpuacct) ? null : 'no usable cpu controller (v1 cpu+cpuacct, or v2 cpu)';
    case 'cgroup.memory':
      return c.memory ? null : 'no memory cgroup controller';
    case 'cgroup.pids':
      return c.pids ? null : 'no pids cgroup controller';
    case 'userns':
      return host.userns ? null : `unprivileged user namespaces are off here: ${host.usernsReason ?? 'unknown'}`;
    case 'cgroup.cpuset':
      return c.cpuset ? null : 'no cpuset cgroup controller';
    case 'cgroup.freeze':
      // v2 freezes any group (cgroup.freeze, Linux ≥ 5.2); v1 needs the freezer hierarchy.
      return c.cpu?.version === 2 || c.freezer ? null : 'no freezer: neither cgroup v2 nor the v1 freezer controller';
    case 'cgroup.memory-high':
      return c.memory?.version === 2 ? null
        : 'cgroup v1 has no memory.high: memory.soft_limit_in_bytes only steers reclaim under global pressure (no '
          + 'throttling, no count) and memory.limit_in_bytes reclaims then OOM-kills (cgroups.memory-limit); '
          + 'memory.high needs the v2 memory controller';
    case 'cgroup.v2':
      return host.cgroup === 'v2' ? null : `cgroup v2 only: this host is ${host.cgroup}`;
    case 'docker':
      return host.docker ? null : `no Docker engine: ${host.dockerReason ?? 'not running'}; ${fix.provision}`;
    case 'compose':
      return host.compose ? null : 'no compose (neither `docker compose` nor docker-compose): ' + fix.provision;
    case 'image.busybox':
      return host.images.busybox ? null : 'the isolab/busybox base image is missing: ' + fix.provision;
    case 'image.go':
      // Offline, a local stand-in; with a registry, builds pull golang:alpine themselves.
      return host.images.go || host.registry ? null : 'the isolab/golang builder image is missing: ' + fix.provision;
    case 'runc':
      return host.runc ? null : 'runc not installed: ' + fix.provision;
    case 'qemu':
      if (host.qemu) return null;
      // A guest has no qemu of its own: a VM inside an emulated VM would take minutes a boot.
      return setting('guest')
        ? `qemu is not in the ${setting('guest')} guest: VMs are booted on the host (isolab run vm)`
        : 'qemu-system-x86_64 not installed: ' + fix.provision;
    case 'emulation':
      // qemu-user without qemu-user-binfmt: emulation only when asked for, never behind execve.
      if (host.tools['qemu-aarch64'] && host.foreignBinary) return null;
      if (setting('guest')) return `qemu-user and the arm64 busybox are not in the ${setting('guest')} guest: isolab run vm on the host`;
      return `${host.tools['qemu-aarch64'] ? 'the arm64 busybox' : 'qemu-aarch64 (qemu-user)'} is not installed: ${fix.provision}`;
    case 'kvm':
      return host.kvm.usable ? null : `KVM not usable: ${host.kvm.reason}`;
    case 'registry':
      return host.registry ? null : 'no container registry reachable (offline host)';
    default: {
      const tool = cap.replace(/^tool\./, '');
      return host.tools[tool] ? null : `${tool} not installed: ${fix.provision}`;
    }
  }
}

export function strict(): boolean {
  return setting('strict') === '1' || (process.env.CI === 'true' && setting('strict') !== '0');
}

/** Under strict mode, is skipping for this capability a failure? */
export function expectedOnHost(cap: Capability): boolean {
  const extra = list('expect');
  const excused = list('excuse');
  if (excused.includes(cap)) return false;
  return PROVIDED.has(cap) || extra.includes(cap);
}
