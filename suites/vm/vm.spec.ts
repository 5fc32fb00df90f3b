// "What is the difference of VM / Container?" — the lecture's first question, answered by one
// probe run in three places: this host, a container (the engine in use) and a VM booted by
// isolab (KVM where the bounded probe says it works, else TCG). The Virtualization and
// Comparison slides' statements, each checked beside its words; the places side by side.
import { readFile, stat } from 'node:fs/promises';
import { claim, type ClaimContext } from '../../src/claims/claim.js';
import { run, which } from '../../src/core/exec.js';
import { resourceName } from '../../src/core/names.js';
import { daemonChecks } from './daemons.js';
import { docker, runContainer, waitExit } from '../../src/docker/cli.js';
import { BASE_TAGS } from '../../src/docker/base-images.js';
import { VM_DIR, guestSizes, type Accel, type Guest } from '../../src/vm/tiny-guest.js';
import { vmGuest } from './vm-guest.js';
import { bootProbe, probeInitrd, type ProbeBoot } from '../../src/vm/probe-guest.js';
import { probeKvmBoot } from '../../src/vm/kvm-probe.js';
import { PROBE, SYSCTL, VM_INIT, childrenOf, hostView, parseProbe, type Facts } from './probe.js';
import { isolationChecks, memoryChecks, ownNamespaces, sharedKernelChecks, tcgBootChecks, kvmChecks, type Places }
  from './judge.js';
import { setTimeout as sleep } from 'node:timers/promises';

const NEEDS = ['root', 'docker', 'image.busybox', 'qemu', 'tool.busybox'] as const;
const VM_MB = 256;

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** The bytes each place starts from: the program, the image (its layers), the kernel and initramfs. */
async function sizes(g: Guest): Promise<Record<'process' | 'container' | 'vm', string>> {
  const bin = await which('busybox');
  const image = Number((await docker(['image', 'inspect', '--format', '{{.Size}}', BASE_TAGS.busybox],
    { check: false, timeoutMs: 15_000 })).stdout.trim());
  const vm = await guestSizes(g);
  return {
    process: bin ? `${mib((await stat(bin)).size)} (${bin})` : '—',
    container: image ? `${mib(image)} (${BASE_TAGS.busybox})` : '—',
    vm: `${mib(vm.kernelBytes + vm.initrdBytes)} (kernel ${mib(vm.kernelBytes)} + initramfs ${mib(vm.initrdBytes)})`,
  };
}

const rssMb = async (pid: number) =>
  Number(/^VmRSS:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))?.[1] ?? NaN) / 1024;

interface Seen {
  places: Places;
  accel: Accel;
  boot: ProbeBoot;
  prealloc: ProbeBoot;
  hostSysctl: { before: string; after: string };
  containerUsedMb: number | null;
  rssMb: number | null;
  rssPreallocMb: number | null;
  /** start to the probe's output, one sample each (the bench's ladder measures start-up properly) */
  startMs: { process: number; container: number; vm: number | null };
}

let seen: Promise<Seen> | undefined;
/** One probe in each place, shared by the claims of this file (one container, two boots). */
const probeAll = (c: ClaimContext, g: Guest) => (seen ??= probeOnce(c, g));

async function probeOnce(c: ClaimContext, g: Guest): Promise<Seen> {
  const readSysctl = () => readFile(`/proc/sys/${SYSCTL}`, 'utf8').then((s) => s.trim());
  const before = await readSysctl();
  // The host: read only (no WRITE: its kernel settings are never written).
  const hostRun = await run('busybox', ['sh', '-c', PROBE], { timeoutMs: 20_000, env: { WRITE: '0', MARK: '' } });
  const host = parseProbe(hostRun.stdout);

  // The container: a default `docker run`, root inside; the host looks for its marked process.
  const mark = `busybox${Math.random().toString(36).slice(2, 10).padEnd(8, '0')}`;
  const t0 = performance.now();
  const ctr = await runContainer(c.ledger, 'vm-probe',
    ['-e', 'WRITE=1', '-e', `MARK=${mark}`, '-e', 'HOLD=6', BASE_TAGS.busybox, 'sh', '-c', PROBE]);
  let logs = '';
  for (let i = 0; i < 200 && !logs.includes('ISOLAB-PROBE-MARKED'); i++) {
    await sleep(50);
    logs = (await docker(['logs', ctr.name], { check: false, timeoutMs: 10_000 })).stdout;
  }
  // Start to the probe's mark, read by polling the log (±50 ms): not the bench's measurement.
  const containerToProbeMs = Math.round(performance.now() - t0);
  const containerView = await hostView(mark);
  const stats = (await docker(['stats', '--no-stream', '--format', '{{.MemUsage}}', ctr.name],
    { check: false, timeoutMs: 20_000 })).stdout.trim();
  const used = /^([\d.]+)\s*([KMG]i?B)/.exec(stats);
  const containerUsedMb = used
    ? Number(used[1]) * ({ KiB: 1 / 1024, KB: 1 / 1000, MiB: 1, MB: 1, GiB: 1024, GB: 1000 } as Record<string, number>)[used[2]!]! : null;
  const container = parseProbe((await waitExit(ctr.name, 30_000)).logs);

  // The VM: its own kernel; while its probe holds, the host looks for the mark and at qemu.
  const accel: Accel = c.host.kvm.usable ? 'kvm' : 'tcg';
  const initrd = await probeInitrd(c.ledger, g, VM_INIT({ mark, hold: 4 }));
  const boot = await bootProbe(c.ledger, g, initrd, {
    accel, memMb: VM_MB, timeoutMs: 90_000, waitFor: 'ISOLAB-PROBE-MARKED',
    during: async (pid) => ({ view: await hostView(mark), children: await childrenOf(pid), rssMb: await rssMb(pid) }),
  });
  const during = boot.during as { view: Places['vmView']; children: number[]; rssMb: number } | undefined;
  // The same guest with -mem-prealloc: what QEMU takes from the host when it pre-allocates.
  const prealloc = await bootProbe(c.ledger, g, initrd, {
    accel, memMb: VM_MB, timeoutMs: 90_000, extra: ['-mem-prealloc'], waitFor: 'ISOLAB-PROBE-MARKED',
      during: async (pid) => ({ rssMb: await rssMb(pid) }),
  });
  const vm: Facts = parseProbe(boot.output);
  return {
    places: { host, container, vm, containerView, vmView: during?.view ?? { found: [], hostNs: {} }, qemuChildren: during?.children ?? [] },
    accel, boot, prealloc, hostSysctl: { before, after: await readSysctl() }, containerUsedMb,
    rssMb: during?.rssMb ?? null, rssPreallocMb: (prealloc.during as { rssMb?: number } | undefined)?.rssMb ?? null,
    startMs: { process: Math.round(hostRun.durationMs), container: containerToProbeMs, vm: boot.seen['ISOLAB-PROBE-MARKED'] ?? null },
  };
}

const bootSummary = (b: ProbeBoot) =>
  `${b.accel.toUpperCase()} boot to probe ${b.seen['ISOLAB-PROBE-MARKED'] ?? '—'} ms${b.timedOut ? ' (timed out)' : ''}`;

claim('vm.shared-kernel', { needs: [...NEEDS], timeoutMs: 240_000 }, async (c) => {
  const g = await vmGuest(c);
  const s = await probeAll(c, g);
  const { host, container, vm } = s.places;
  const seenCtr = s.places.containerView.found[0];
  c.evidence({
    summary: `container: boot_id ${container.boot_id === host.boot_id ? 'the host\'s' : 'its own'}, its process `
      + `host pid ${seenCtr?.pid ?? '—'} (NSpid ${seenCtr?.nspid.join(' ') ?? '—'}); VM (${s.accel}): `
      + `boot_id ${vm.boot_id === host.boot_id ? 'the host\'s' : 'its own'}, ${s.places.vmView.found.length} of its `
      + `processes on the host, qemu children ${s.places.qemuChildren.length}`,
    slide: { container: '"Process-based isolation (share same kernel)"', vm: '"Full isolation"' },
    places: { host: pick(host), container: pick(container), vm: pick(vm) },
    containerNamespaces: { own: ownNamespaces(s.places.containerView),
      cgroup: ownNamespaces(s.places.containerView).includes('cgroup') ? 'its own'
      : `the host's (the engine's default on cgroup ${c.host.cgroup})` },
    containerOnHost: s.places.containerView,
      vmOnHost: { found: s.places.vmView.found, qemuChildren: s.places.qemuChildren, qemuPid: s.boot.pid },
    comparison: {
      kernel: { process: `the host's (${host.release})`,
        container: container.boot_id === host.boot_id ? "the host's (same boot_id)" : 'another',
        vm: vm.boot_id && vm.boot_id !== host.boot_id ? `its own (${vm.release}, another boot_id)` : '—' },
      'processes seen by the host': { process: 'yes',
        container: seenCtr ? `yes: host pid ${seenCtr.pid}, NSpid ${seenCtr.nspid.join(' ')}` : 'no',
        vm: `no: one qemu process (${s.places.qemuChildren.length} children)` },
      'start to the probe (one sample)': { process: `${s.startMs.process} ms`,
        container: `${s.startMs.container} ms (docker run)`,
        vm: s.startMs.vm === null ? '—' : `${s.startMs.vm} ms (${s.accel.toUpperCase()} boot)` },
      'uid 0 inside': { process: '—',
        container: seenCtr ? `uid ${seenCtr.uid} on the host (the host's user namespace)` : '—', vm: 'root of its own kernel' },
      'what it starts from': await sizes(g),
    },
    boot: bootSummary(s.boot),
  });
  c.verify(sharedKernelChecks(s.places));
});

claim('vm.full-isolation', { needs: [...NEEDS], timeoutMs: 240_000 }, async (c) => {
  const s = await probeAll(c, await vmGuest(c));
  const { container, vm } = s.places;
  c.evidence({
    summary: `${SYSCTL}: VM ${vm.sysctl_write ?? '—'}; container ${container.sysctl_write ?? '—'}; mount: `
      + `VM ${vm.mount ?? '—'}, container ${container.mount ?? '—'}; the host's stayed ${s.hostSysctl.after}`,
    slide: { vm: '"App can access all OS resources"' },
    host: { [SYSCTL]: s.hostSysctl }, container: { sysctl: container.sysctl_write, mount: container.mount },
      vm: { sysctl: vm.sysctl_write, mount: vm.mount },
    comparison: { 'root changes its kernel': { process: '— (the host\'s: only read)',
      container: `refused (${SYSCTL}, mount)`, vm: `yes (${SYSCTL}, mount)` } },
  });
  c.verify(isolationChecks(s.places, s.hostSysctl, SYSCTL));
});

claim('vm.memory', { needs: [...NEEDS], timeoutMs: 240_000 }, async (c) => {
  const s = await probeAll(c, await vmGuest(c));
  const { host, container, vm } = s.places;
  const m = { vmMemMb: VM_MB, containerUsedMb: s.containerUsedMb, rssMb: s.rssMb, rssPreallocMb: s.rssPreallocMb };
  const mb = (v: number | null) => (v === null || Number.isNaN(v) ? '—' : `${v.toFixed(0)} MiB`);
  const kb = (v?: string) => (v ? `${(Number(v) / 1024).toFixed(0)} MiB` : '—');
  c.evidence({
    summary: `MemTotal: host ${kb(host.memtotal_kb)}, container ${kb(container.memtotal_kb)}, `
      + `VM ${kb(vm.memtotal_kb)} (-m ${VM_MB}); taken from the host: idle container ${mb(s.containerUsedMb)}, QEMU `
      + `at boot ${mb(s.rssMb)}, with -mem-prealloc ${mb(s.rssPreallocMb)}`,
    ...m, memTotalKb: { host: host.memtotal_kb, container: container.memtotal_kb, vm: vm.memtotal_kb },
    comparison: {
      'memory seen': { process: kb(host.memtotal_kb), container: `${kb(container.memtotal_kb)} (the host's)`,
        vm: `${kb(vm.memtotal_kb)} (its -m ${VM_MB})` },
      'memory taken at start': { process: '—', container: `${mb(s.containerUsedMb)} (idle)`,
        vm: `${mb(s.rssMb)} QEMU RSS; ${mb(s.rssPreallocMb)} with -mem-prealloc` },
    },
  });
  // The slide: a VM "Pre allocates memory". QEMU's RSS holds its own memory too (TCG's code
  // buffer, devices): what the guest did not get at start is the gap to the same boot with
  // -mem-prealloc, not the distance to -m.
  const notTaken = s.rssMb !== null && s.rssPreallocMb !== null ? s.rssPreallocMb - s.rssMb : null;
  const preallocates = notTaken !== null && notTaken <= VM_MB * 0.05;
  c.slide({ says: '"Pre allocates memory" (VM)', expected: `QEMU takes the guest's ${VM_MB} MiB at start`,
    measured: `QEMU RSS ${mb(s.rssMb)} at the probe; ${mb(s.rssPreallocMb)} with -mem-prealloc: ${mb(notTaken)} of `
      + `the guest's ${VM_MB} MiB not taken`, holds: preallocates,
    ...(preallocates ? {} : { why: 'QEMU gives the guest memory as it touches it, unless started with -mem-prealloc' }) });
  c.verify(memoryChecks(s.places, m));
});

claim('vm.hw-virt', { scenario: 'under TCG: no VT-x/AMD-V needed', needs: ['qemu'], timeoutMs: 240_000 }, async (c) => {
  const g = await vmGuest(c);
  const flags = / (vmx|svm)( |$)/m.exec(await readFile('/proc/cpuinfo', 'utf8'))?.[1] ?? null;
  const pkg = (await readFile(`${VM_DIR}/kernel-package`, 'utf8').catch(() => '?')).trim();
  const initrd = await probeInitrd(c.ledger, g, VM_INIT({ mark: 'busyboxhwvirt00', hold: 0 }));
  const b = await bootProbe(c.ledger, g, initrd, { accel: 'tcg', memMb: 128, timeoutMs: 120_000 });
  const vm = parseProbe(b.output);
  c.evidence({
    summary: `CPU flag ${flags ?? 'none (vmx/svm not exposed)'}; /dev/kvm: ${c.host.kvm.reason}; Debian's ${pkg} `
      + `kernel booted under TCG to its probe in ${b.seen['ISOLAB-PROBE-DONE'] ?? '—'} ms`,
    cpuFlag: flags, kvm: c.host.kvm, kernelPackage: pkg, release: vm.release, bootMs: b.seen, accel: 'tcg', console: b.output.slice(-1500),
    comparison: { 'needs VT-x/AMD-V': { process: 'no', container: 'no',
      vm: c.host.kvm.usable ? 'for KVM: yes (used here)' : `no: TCG here (${b.seen['ISOLAB-PROBE-DONE'] ?? '—'} ms to boot)` } },
  });
  c.slide({ says: '"Run unmodified OS with Intel VT-x and AMD-V, or paravirtualized if not present"',
    expected: 'without VT-x/AMD-V, a paravirtualized guest',
    measured: `the unmodified ${pkg} kernel under TCG`, holds: !!c.host.kvm.usable,
    ...(c.host.kvm.usable ? {}
      : { why: 'QEMU without KVM translates the unmodified kernel (TCG, full emulation): no paravirtualized kernel '
      + 'is needed, at the cost of speed' }) });
  c.verify(tcgBootChecks(vm, b.timedOut));
});

claim('vm.hw-virt', { scenario: 'under KVM, against TCG', needs: ['qemu'], timeoutMs: 240_000 }, async (c) => {
  // /dev/kvm can open while a KVM guest hangs: a bounded boot decides (15 s).
  const usable = c.host.kvm.usable === null ? await probeKvmBoot(c.host.kvm) : c.host.kvm;
  if (!usable.usable) c.skip(`KVM not usable: ${usable.reason}`);
  const g = await vmGuest(c);
  const initrd = await probeInitrd(c.ledger, g, VM_INIT({ mark: 'busyboxhwvirt01', hold: 0 }));
  const kvm = await bootProbe(c.ledger, g, initrd, { accel: 'kvm', memMb: 128, timeoutMs: 60_000 });
  const tcg = await bootProbe(c.ledger, g, initrd, { accel: 'tcg', memMb: 128, timeoutMs: 120_000 });
  const k = kvm.seen['ISOLAB-PROBE-DONE'];
  const t = tcg.seen['ISOLAB-PROBE-DONE'];
  c.evidence({ summary: `the same guest to its probe: KVM ${k ?? '—'} ms, TCG ${t ?? '—'} ms `
    + `(${k && t ? (t / k).toFixed(1) : '—'}×)`, kvm: kvm.seen, tcg: tcg.seen });
  c.verify(kvmChecks(k, t));
});

const pick = (f: Facts) =>
  ({ boot_id: f.boot_id, release: f.release, version: f.version, memtotal_kb: f.memtotal_kb, uid: f.uid, procs: f.procs });

/** The parent's comm of a container's main process, by the engine's own inspect. */
async function parentOf(engine: 'docker' | 'podman', name: string): Promise<string> {
  const pid = (await run(engine, ['inspect', '--format', '{{.State.Pid}}', name], { timeoutMs: 15_000 })).stdout.trim();
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
  return (await readFile(`/proc/${ppid}/comm`, 'utf8')).trim();
}

/** Engine servers running now: dockerd, and podman's API service. */
async function daemons(): Promise<{ docker: string[]; podman: string[] }> {
  const ps = (await run('ps', ['-eo', 'pid=,args='], { timeoutMs: 10_000 })).stdout.split('\n').map((l) => l.trim());
  return {
    docker: ps.filter((l) => /^\d+ \S*dockerd(\s|$)/.test(l)),
    podman: ps.filter((l) => /^\d+ \S*podman\b.*\bsystem service\b/.test(l)),
  };
}

claim('podman.daemonless', { needs: ['root', 'docker', 'image.busybox'], timeoutMs: 120_000 }, async (c) => {
  if (!(await which('podman')))
    c.skip('podman is not installed here (the trixie and sid guests have it: isolab run --guest trixie --claim podman.daemonless)');
  if (c.host.docker?.name !== 'docker') c.skip('needs the Docker engine beside podman (the run uses --engine podman)');
  const before = await daemons();
  const name = resourceName('daemonless');
  c.ledger.add('container', `podman ${name}`, () => run('podman', ['rm', '-f', name], { check: false, timeoutMs: 30_000 }));
  await run('podman', ['run', '-d', '--name', name, '--network', 'none', BASE_TAGS.busybox, 'sleep', '60'], { timeoutMs: 60_000 });
  const ctr = await runContainer(c.ledger, 'daemonful', ['--network', 'none', BASE_TAGS.busybox, 'sleep', '60']);
  const podmanParent = await parentOf('podman', name);
  const dockerParent = await parentOf('docker', ctr.name);
  const after = await daemons();
  const gone = await run('docker', ['ps'],
    { check: false, timeoutMs: 15_000, env: { DOCKER_HOST: 'unix:///nonexistent/isolab-no-daemon.sock' } });
  const docker = { parent: dockerParent, daemons: { before: before.docker, after: after.docker },
    unreachable: { exit: gone.exitCode, said: gone.stderr.trim().split('\n')[0] ?? '' } };
  const podman = { parent: podmanParent, daemons: { before: before.podman, after: after.podman } };
  c.evidence({
    summary: `docker: the container's parent ${dockerParent}, dockerd running; podman: its `
      + `parent ${podmanParent}, ${podman.daemons.after.length ? 'a service running' : 'no daemon'}`,
    slide: '"docker runs a daemon and you connect via CLI, podman does not"', docker, podman,
    comparison: { 'a daemon in between': { process: 'no',
      container: `docker: dockerd (parent ${dockerParent}); podman: none (parent ${podmanParent})`, vm: 'qemu is the VM' } },
  });
  c.verify(daemonChecks(docker, podman));
});
