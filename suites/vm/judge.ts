// The comparison slide's statements as checks over what the probe saw in each place. Pure: the
// negative controls (test/controls/vm.control.test.ts) give them the wrong place's facts.
import type { Check } from '../../src/claims/claim.js';
import { NAMESPACES, type Facts, type HostView } from './probe.js';

export interface Places {
  /** the host itself (read, never written) */
  host: Facts;
  container: Facts;
  vm: Facts;
  /** the host's view of the container's marked process, and of the VM's (none expected) */
  containerView: HostView & { found: Array<{ uid: number }> };
  vmView: HostView;
  /** qemu's child processes while the guest ran its probe */
  qemuChildren: number[];
}

// Its own cgroup namespace depends on the engine's default (Docker: private on cgroup v2, the
// host's on v1): recorded beside the checks, not one of them.
const OWN = NAMESPACES.filter((n) => n !== 'user' && n !== 'cgroup');

/** Which of the container's namespaces are its own, cgroup included (evidence). */
export const ownNamespaces = (v: HostView) => (v.found[0] ? NAMESPACES.filter((n) => v.found[0]!.ns[n] !== v.hostNs[n]) : []);

/** "Process-based isolation (share same kernel)" vs a VM's own kernel. */
export function sharedKernelChecks(p: Places): Check[] {
  const seen = p.containerView.found[0];
  const differs = seen ? OWN.filter((n) => seen.ns[n] !== p.containerView.hostNs[n]) : [];
  return [
    { ok: !!p.container.boot_id && p.container.boot_id === p.host.boot_id,
      what: "the container runs on the host's kernel: the same boot_id", expected: p.host.boot_id, actual: p.container.boot_id ?? '—' },
    { ok: p.container.release === p.host.release && p.container.version === p.host.version,
      what: 'the same kernel release and version string', expected: p.host.release, actual: p.container.release ?? '—' },
    { ok: p.containerView.found.length === 1 && seen!.nspid.length === 2 && seen!.nspid[0] !== seen!.nspid[1],
      what: "its process is a host process: found in the host's /proc, with a host PID and its own (NSpid)",
      expected: 'NSpid: <host pid> <container pid>',
      actual: seen ? `pid ${seen.pid}, NSpid ${seen.nspid.join(' ')}` : 'not found on the host' },
    { ok: differs.length === OWN.length, what: `it has its own ${OWN.join(', ')} namespaces`, expected: OWN.join(', '),
      actual: differs.join(', ') || 'none' },
    { ok: !!seen && seen.ns.user === p.containerView.hostNs.user && seen.uid === 0 && p.container.uid === '0',
      what: "but the host's user namespace: uid 0 inside is uid 0 on the host", expected: 'same user ns, uid 0 = 0',
      actual: seen ? `${seen.ns.user === p.containerView.hostNs.user ? 'same' : 'own'} user ns, `
      + `uid ${p.container.uid} inside = ${seen.uid} on the host` : '—' },
    { ok: !!p.vm.boot_id && p.vm.boot_id !== p.host.boot_id, what: 'the VM runs its own kernel: another boot_id',
      expected: `not ${p.host.boot_id}`, actual: p.vm.boot_id ?? 'the VM printed nothing' },
    { ok: !!p.vm.boot_id && p.vmView.found.length === 0 && p.qemuChildren.length === 0,
      what: "the VM's processes are not host processes: one qemu process, none of its guest's in the host's /proc",
      expected: '0 found, qemu has no children', actual: `${p.vmView.found.length} found, qemu children: ${p.qemuChildren.length}` },
  ];
}

/** "App can access all OS resources" (VM) — root in a default container may not. */
export function isolationChecks(p: Places, hostSysctl: { before: string; after: string }, sysctl: string): Check[] {
  return [
    { ok: /^ok /.test(p.vm.sysctl_write ?? ''), what: `root in the VM changes its kernel's ${sysctl}`, expected: 'ok',
      actual: p.vm.sysctl_write ?? '—' },
    { ok: /^ok/.test(p.vm.mount ?? ''), what: 'root in the VM mounts a filesystem', expected: 'ok', actual: p.vm.mount ?? '—' },
    { ok: /^refused/.test(p.container.sysctl_write ?? ''),
      what: `root in a default container may not change ${sysctl} (read-only /proc/sys)`, expected: 'refused',
      actual: p.container.sysctl_write ?? '—' },
    { ok: /^refused/.test(p.container.mount ?? ''), what: 'nor mount a filesystem (no CAP_SYS_ADMIN)',
      expected: 'refused', actual: p.container.mount ?? '—' },
    { ok: hostSysctl.before === hostSysctl.after,
      what: `the host's ${sysctl} is unchanged (read before and after, never written)`, expected: hostSysctl.before,
      actual: hostSysctl.after },
  ];
}

/** "Available memory is shared" (container) vs "Pre allocates memory" (VM). */
export function memoryChecks(p: Places,
  m: { vmMemMb: number; containerUsedMb: number | null; rssMb: number | null; rssPreallocMb: number | null }): Check[] {
  const vmTotal = Number(p.vm.memtotal_kb ?? 0) / 1024;
  return [
    { ok: !!p.container.memtotal_kb && p.container.memtotal_kb === p.host.memtotal_kb,
      what: "the container sees the host's memory (MemTotal)", expected: `${p.host.memtotal_kb} kB`,
      actual: `${p.container.memtotal_kb ?? '—'} kB` },
    { ok: m.containerUsedMb !== null && m.containerUsedMb < m.vmMemMb / 4,
      what: `an idle container takes little of it (< ${m.vmMemMb / 4} MiB, a quarter of the VM's)`,
      expected: `< ${m.vmMemMb / 4} MiB`, actual: m.containerUsedMb === null ? '—' : `${m.containerUsedMb.toFixed(1)} MiB` },
    { ok: vmTotal > 0 && vmTotal <= m.vmMemMb && vmTotal > m.vmMemMb / 2,
      what: `the VM sees only what it was given (-m ${m.vmMemMb})`, expected: `≤ ${m.vmMemMb} MiB`, actual: `${vmTotal.toFixed(0)} MiB` },
    { ok: m.rssPreallocMb !== null && m.rssPreallocMb >= m.vmMemMb * 0.95,
      what: `with -mem-prealloc QEMU takes all of it from the host at start`,
      expected: `≥ ${Math.round(m.vmMemMb * 0.95)} MiB`, actual: m.rssPreallocMb === null ? '—' : `${m.rssPreallocMb.toFixed(0)} MiB` },
  ];
}

/** "Run unmodified OS … or paravirtualized if not present": what booted under TCG. */
export function tcgBootChecks(vm: Facts, timedOut: boolean): Check[] {
  return [
    { ok: !!vm.boot_id && !timedOut,
      what: 'an unmodified distribution kernel boots without hardware virtualization (TCG)', expected: 'the probe ran',
      actual: vm.boot_id ? `booted, ${vm.release}` : `no probe output${timedOut ? ' (timed out)' : ''}` },
    { ok: vm.release !== undefined && vm.boot_id !== undefined,
      what: 'it is a whole kernel of its own (release, boot_id)', expected: 'release and boot_id',
      actual: `${vm.release ?? '—'} ${vm.boot_id ?? '—'}` },
  ];
}

/** The same guest to its probe under KVM and under TCG (ms; undefined: it never got there). */
export function kvmChecks(k: number | undefined, t: number | undefined): Check[] {
  return [
    { ok: k !== undefined, what: 'the guest boots under KVM (VT-x/AMD-V)', expected: 'booted',
      actual: k === undefined ? 'no probe output' : `${k} ms` },
    { ok: k !== undefined && t !== undefined && t > k, what: 'and faster than under TCG', expected: 'KVM < TCG',
      actual: `${k ?? '—'} vs ${t ?? '—'} ms` },
  ];
}
