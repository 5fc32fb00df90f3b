// VM: "Needs to be the same architecture — otherwise use emulation, e.g., QEMU". An arm64 busybox
// on this x86_64 host: the kernel refuses it (ENOEXEC), so does a container (the host's kernel
// and CPU), QEMU's user-mode emulator runs it; the same shell work timed natively and emulated.
import os from 'node:os';
import { claim } from '../../src/claims/claim.js';
import { which } from '../../src/core/exec.js';
import { otherLiveRuns } from '../../src/core/runs.js';
import { BASE_TAGS } from '../../src/docker/base-images.js';
import { EMULATION_LOOPS, EMULATOR, FOREIGN_BUSYBOX, binfmtHandlers, elfMachine, execInContainer, execNatively, slowdown }
  from '../../src/vm/emulation.js';
import { emulationChecks, type Foreign } from './emulation.js';

claim('vm.emulation', { needs: ['emulation', 'tool.busybox'], timeoutMs: 180_000 }, async (c) => {
  const hostBusybox = (await which('busybox'))!;
  c.usesEngine = !!c.host.docker;
  const f: Foreign = {
    hostArch: c.host.arch,
    binaryArch: await elfMachine(FOREIGN_BUSYBOX),
    binfmt: await binfmtHandlers(),
    native: await execNatively(FOREIGN_BUSYBOX),
    container: c.host.docker && c.host.images.busybox ? await execInContainer(c.ledger, FOREIGN_BUSYBOX, BASE_TAGS.busybox) : null,
    slowdown: await slowdown(hostBusybox, FOREIGN_BUSYBOX),
  };
  const s = f.slowdown;
  const cpu = (xs: Array<{ cpuS: number }>) => xs.map((t) => t.cpuS.toFixed(2)).join(', ');
  c.evidence({
    summary: `${f.binaryArch} busybox on ${f.hostArch}: natively ${f.native.exitCode === 0 ? 'ran' : 'refused'}, `
      + `in a container ${f.container ? (f.container.exitCode === 0 ? 'ran' : 'refused') : 'not tried (no engine)'}, `
      + `under ${EMULATOR} ${s.ratio.toFixed(1)}× the CPU time of the host's busybox`,
    binary: FOREIGN_BUSYBOX, ...f,
    work: `a busybox shell loop of ${EMULATION_LOOPS} additions, then uname -m; 3 pairs alternating`,
    measured: `CPU time (user + sys of the child, its rusage): native ${cpu(s.native)} s, emulated ${cpu(s.emulated)} s; `
      + 'the ratio of the medians; CPU time, not wall clock, so waiting for other work on the host does not enter it',
    alongside: { loadavg1m: os.loadavg()[0]!.toFixed(2), otherRuns: otherLiveRuns().map((r) => `${r.id} (pid ${r.pid})`) },
    comparison: {
      architecture: {
        process: `the host's (${f.hostArch}): an ${f.binaryArch} binary → ${f.native.exitCode === 0 ? 'ran' : 'Exec format error'}`,
        container: f.container ? `the host's: the same binary → ${f.container.exitCode === 0 ? 'ran' : 'exec format error'}` : '—',
        // VT-x/AMD-V run guest code on this CPU: another architecture's is emulated instead.
        vm: `KVM: the host's only; else emulated: ${EMULATOR} ran the ${f.binaryArch} binary at ${s.ratio.toFixed(1)}× the CPU time`,
      },
    },
  });
  c.verify(emulationChecks(f));
});
