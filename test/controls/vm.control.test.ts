// Negative controls for the vm suite: each place's real facts handed to the checks of another
// place fail them. A host process passed off as the container (no namespaces of its own, one
// PID), the host passed off as the VM (the same boot_id, its memory), a VM passed off as the
// container (its own kernel; root allowed to change it).
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, which } from '../../src/core/exec.js';
import { Ledger } from '../../src/core/ledger.js';
import { guest } from '../../src/vm/tiny-guest.js';
import { bootProbe, probeInitrd } from '../../src/vm/probe-guest.js';
import { PROBE, VM_INIT, hostView, parseProbe } from '../../suites/vm/probe.js';
import { isolationChecks, memoryChecks, sharedKernelChecks, tcgBootChecks, kvmChecks, type Places } from '../../suites/vm/judge.js';
import { daemonChecks } from '../../suites/vm/daemons.js';
import { migrationChecks } from '../../suites/vm/migration.js';
import { migrateTicker } from '../../src/vm/migrate.js';
import { existsSync } from 'node:fs';
import { BASE_TAGS } from '../../src/docker/base-images.js';
import { FOREIGN_BUSYBOX, binfmtHandlers, elfMachine, execInContainer, execNatively, slowdown } from '../../src/vm/emulation.js';
import { emulationChecks, type Foreign } from '../../suites/vm/emulation.js';
import { podmanComposeChecks, type ComposeOnPodman } from '../../suites/vm/podman-compose.js';
import { requireRoot } from './gate.js';

const failed = (checks: Array<{ ok: boolean; what: string }>) => checks.filter((c) => !c.ok).map((c) => c.what);
const g = await guest();
const busybox = await which('busybox');

describe.skipIf(!requireRoot() || !g || !busybox)('vm negative controls', () => {
  it('a host process as the container, the host as the VM, a VM as the container: every swapped check fails',
    { timeout: 120_000 }, async () => {
    const ledger = new Ledger('vm control');
    const dir = await mkdtemp(path.join(tmpdir(), 'vm-control-'));
    const mark = 'busyboxctl' + Math.random().toString(36).slice(2, 7).padEnd(5, '0');
    // A busybox copy named busybox<8 chars> runs as busybox, with that whole name as its comm.
    await copyFile(busybox!, path.join(dir, mark));
    await run('chmod', ['+x', path.join(dir, mark)], { timeoutMs: 5000 });
    const marked = spawn(path.join(dir, mark), ['sleep', '20'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const host = parseProbe((await run('busybox', ['sh', '-c', PROBE], { timeoutMs: 20_000, env: { WRITE: '0', MARK: '' } })).stdout);
      const asContainer = await hostView(mark);
      const initrd = await probeInitrd(ledger, g!, VM_INIT({ mark, hold: 0 }));
      const booted = await bootProbe(ledger, g!, initrd, { accel: 'tcg', memMb: 256, timeoutMs: 90_000 });
      const vm = parseProbe(booted.output);
      expect(vm.boot_id, `the VM probe ran: ${booted.output.slice(-600)}`).toBeDefined();
      expect(asContainer.found).toHaveLength(1);

      // A host process as the container: found, but one PID and every namespace the host's.
      const hostAsContainer: Places = { host, container: host, vm, containerView: asContainer,
        vmView: { found: [], hostNs: {} }, qemuChildren: [] };
      expect(failed(sharedKernelChecks(hostAsContainer))).toEqual([
        "its process is a host process: found in the host's /proc, with a host PID and its own (NSpid)",
        'it has its own pid, net, mnt, uts, ipc namespaces',
      ]);
      // The host as the VM: the same boot_id; its process found on the host.
      const hostAsVm: Places = { ...hostAsContainer, vm: host, vmView: asContainer };
      expect(failed(sharedKernelChecks(hostAsVm))).toEqual(expect.arrayContaining([
        'the VM runs its own kernel: another boot_id',
        "the VM's processes are not host processes: one qemu process, none of its guest's in the host's /proc",
      ]));
      // A VM as the container: another kernel; and its root changes its kernel and mounts.
      const vmAsContainer: Places = { ...hostAsContainer, container: vm };
      expect(failed(sharedKernelChecks(vmAsContainer))).toEqual(expect.arrayContaining([
        "the container runs on the host's kernel: the same boot_id",
      ]));
      expect(failed(isolationChecks(vmAsContainer, { before: '60', after: '60' }, 'vm/swappiness'))).toEqual([
        'root in a default container may not change vm/swappiness (read-only /proc/sys)',
        'nor mount a filesystem (no CAP_SYS_ADMIN)',
      ]);
      // The host as the VM: it sees the host's memory, not its -m.
      expect(failed(memoryChecks({ ...hostAsContainer, vm: host },
        { vmMemMb: 256, containerUsedMb: 1, rssMb: 40, rssPreallocMb: 260 }))).toEqual(['the VM sees only what it was given (-m 256)']);
      // QEMU that did not pre-allocate under -mem-prealloc.
      expect(failed(memoryChecks({ ...hostAsContainer, vm },
        { vmMemMb: 256, containerUsedMb: 1, rssMb: 40,
        rssPreallocMb: 40 }))).toEqual(['with -mem-prealloc QEMU takes all of it from the host at start']);
    } finally {
      marked.kill('SIGKILL');
      await ledger.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('podman.daemonless negative control', () => {
  // What the trixie guest showed (Docker 26, podman 5.4.2), and the two engines swapped.
  const docker = { parent: 'containerd-shim', daemons: { before: ['245 dockerd'], after: ['245 dockerd'] },
    unreachable: { exit: 1,
    said: 'Cannot connect to the Docker daemon at unix:///nonexistent/isolab-no-daemon.sock. Is the docker daemon running?' } };
  const podman = { parent: 'conmon', daemons: { before: [], after: [] } };
  it('holds on what each engine did; every check fails with the engines swapped', () => {
    expect(daemonChecks(docker, podman).filter((c) => !c.ok)).toEqual([]);
    const swapped = daemonChecks({ ...podman, unreachable: { exit: 0, said: '' } }, docker);
    expect(swapped.filter((c) => c.ok)).toEqual([]);
  });
});

describe.skipIf(!requireRoot() || !g)('vm.live-migration negative control', () => {
  it('the same guest restarted instead of migrated: another boot_id, a counter from 0 — the checks fail',
    { timeout: 120_000 }, async () => {
    const ledger = new Ledger('vm-migration-control');
    try {
      const restarted = await migrateTicker(ledger, g!, { accel: 'tcg', restart: true });
      expect(restarted.error, 'the restarted guest counted').toBeUndefined();
      expect(failed(migrationChecks(restarted))).toEqual([
        'QEMU migrates it to a second process on this host',
        'the same kernel goes on running there: the same boot_id',
        'its counter goes on where it stopped, not from 0',
      ]);
    } finally {
      await ledger.close();
    }
  });
});

describe.skipIf(!requireRoot() || !busybox || !existsSync(FOREIGN_BUSYBOX))('vm.emulation negative control', () => {
  it("the host's own busybox as the foreign binary: it runs natively and in a container, not under qemu-aarch64",
    { timeout: 60_000 }, async () => {
    const ledger = new Ledger('vm-emulation-control');
    try {
      const asForeign: Foreign = {
        hostArch: 'x86_64', binaryArch: await elfMachine(busybox!), binfmt: await binfmtHandlers(),
        native: await execNatively(busybox!), container: await execInContainer(ledger, busybox!, BASE_TAGS.busybox),
        slowdown: await slowdown(busybox!, busybox!, 1),
      };
      expect(asForeign.native.exitCode, asForeign.native.output).toBe(0);
      expect(failed(emulationChecks(asForeign))).toEqual([
        "the binary is built for another architecture than this host's (x86_64)",
        'the kernel will not run it: execve fails with ENOEXEC',
        "nor will a container: it runs on the host's kernel and CPU",
        'QEMU user-mode emulation runs it: the same work, the same result, on an emulated CPU',
      ]);
      // The real one passes the same checks (what the claim runs).
      const real = { ...asForeign, binaryArch: await elfMachine(FOREIGN_BUSYBOX), native: await execNatively(FOREIGN_BUSYBOX),
        container: await execInContainer(ledger, FOREIGN_BUSYBOX, BASE_TAGS.busybox),
          slowdown: await slowdown(busybox!, FOREIGN_BUSYBOX, 1) };
      expect(failed(emulationChecks(real))).toEqual([]);
    } finally {
      await ledger.close();
    }
  });
});

describe('podman.docker-compose negative control', () => {
  // What the trixie guest showed (docker-compose 2.26.1, podman 5.4.2), and runs that were not that.
  const onPodman: ComposeOnPodman = { server: 'Podman Engine 5.4.2', upExit: 0, received: ['received: hallo'],
    podmanListed: ['isolab-wseop0-on-podman-client-1', 'isolab-wseop0-on-podman-server1-1'], leftAfterDown: [], downExit: 0 };
  it("holds on the guest's run; pointed at Docker's daemon, or a project that never ran, or a down that left it, fails", () => {
    expect(failed(podmanComposeChecks(onPodman, 'hallo'))).toEqual([]);
    // The same project through Docker's daemon: it runs, but nothing of it is podman's.
    expect(failed(podmanComposeChecks({ ...onPodman, server: 'Engine 20.10.24+dfsg1', podmanListed: [] }, 'hallo'))).toEqual([
      "the Docker CLI's API reaches Podman (podman system service on a socket)",
      "the containers are podman's: `podman ps -a` lists them by the project label",
    ]);
    expect(failed(podmanComposeChecks({ ...onPodman, upExit: 1, received: [], leftAfterDown: ['isolab-x-on-podman-server1-1'] }, 'hallo')))
      .toEqual([
        "docker-compose builds and runs the lecture's project on it: the client exits 0",
        'server1 receives "hallo" by service name',
        'docker-compose down removes them from podman',
      ]);
    // A build stopped by its bound fails, and says which bound stopped it.
    const stopped = podmanComposeChecks({ ...onPodman, upExit: null, upEnded: 'its images not built within 600 s (stopped)',
      received: [] }, 'hallo').find((c) => !c.ok && c.what.includes('client exits 0'));
    expect(stopped?.actual).toBe('its images not built within 600 s (stopped)');
  });
});

describe.skipIf(!requireRoot() || !g || !busybox)('vm.hw-virt negative control', () => {
  it('a "kernel" that is not one boots nothing under TCG; a KVM boot slower than TCG, or none, fails', { timeout: 60_000 }, async () => {
    const ledger = new Ledger('vm-hw-virt-control');
    try {
      const initrd = await probeInitrd(ledger, g!, VM_INIT({ mark: 'busyboxhwvctl0', hold: 0 }));
      const b = await bootProbe(ledger, { ...g!, kernel: busybox! }, initrd, { accel: 'tcg', memMb: 128, timeoutMs: 30_000 });
      expect(failed(tcgBootChecks(parseProbe(b.output), b.timedOut))).toEqual([
        'an unmodified distribution kernel boots without hardware virtualization (TCG)',
        'it is a whole kernel of its own (release, boot_id)',
      ]);
    } finally {
      await ledger.close();
    }
    expect(failed(kvmChecks(undefined, 2000))).toEqual(['the guest boots under KVM (VT-x/AMD-V)', 'and faster than under TCG']);
    expect(failed(kvmChecks(2500, 2000))).toEqual(['and faster than under TCG']);
  });
});
