// "Needs to be the same architecture — otherwise use emulation, e.g., QEMU" as checks over what a
// foreign binary did here. Pure: the negative control (test/controls/vm.control.test.ts) hands
// them the host's own busybox as the "foreign" one, which runs everywhere and fails each.
import type { Check } from '../../src/types/check.js';
import type { Attempt, Slowdown } from '../../src/vm/emulation.js';

export interface Foreign {
  hostArch: string;
  /** the architecture in the binary's ELF header */
  binaryArch: string;
  /** enabled binfmt_misc handlers ("name → interpreter"): with one, the kernel runs it emulated */
  binfmt: string[];
  native: Attempt;
  container: Attempt | null;
  slowdown: Slowdown;
}

const ran = (a: Attempt) => a.exitCode === 0 && /^loops \d+/m.test(a.output);
const refused = (a: Attempt) => a.exitCode !== 0 && /exec format error/i.test(a.output);
const lines = (a: Attempt) => a.output.split('\n');
/** what happened, in the line that says it: the machine it ran as, or the error */
const says = (a: Attempt) => (ran(a) ? `ran (${lines(a).at(-1)})`
  : `exit ${a.exitCode}: ${lines(a).find((l) => /error|invalid|not found/i.test(l)) ?? lines(a).at(-1) ?? ''}`);

export function emulationChecks(f: Foreign): Check[] {
  const emu = f.slowdown.emulated[0];
  const nativeWork = f.slowdown.native[0]?.output.split('\n')[0];
  const handled = f.binfmt.length > 0;
  return [
    { ok: f.binaryArch !== f.hostArch && !f.binaryArch.startsWith('not'),
      what: `the binary is built for another architecture than this host's (${f.hostArch})`,
      expected: `not ${f.hostArch}`, actual: f.binaryArch },
    handled
      // A host with a binfmt_misc handler (qemu-user-binfmt) runs it emulated behind execve's back.
      ? { ok: ran(f.native) && !f.native.output.includes(f.hostArch), what: 'the kernel runs it only through its binfmt_misc emulator',
        expected: `ran, as ${f.binaryArch}`, actual: `${says(f.native)}; handlers: ${f.binfmt.join(', ')}` }
      : { ok: refused(f.native), what: 'the kernel will not run it: execve fails with ENOEXEC',
        expected: 'Exec format error', actual: says(f.native) },
    ...(f.container
      ? [{ ok: handled ? ran(f.container) : refused(f.container), what: "nor will a container: it runs on the host's kernel and CPU",
        expected: handled ? 'ran, emulated' : 'exec format error', actual: says(f.container) }]
      : []),
    { ok: !!emu && ran(emu) && emu.output.split('\n').at(-1) === f.binaryArch && emu.output.split('\n')[0] === nativeWork,
      what: 'QEMU user-mode emulation runs it: the same work, the same result, on an emulated CPU',
      expected: `${nativeWork ?? '?'}, then ${f.binaryArch}`, actual: emu ? says(emu) : 'not run' },
  ];
}
