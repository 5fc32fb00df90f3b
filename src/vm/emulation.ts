// "Needs to be the same architecture — otherwise use emulation, e.g., QEMU": a static busybox
// built for arm64 (Debian's busybox-static, fetched by provisioning) tried three ways on this
// x86_64 host — exec'd by the kernel, as a default container's command, and under QEMU's
// user-mode emulator — and the same shell work timed natively and emulated.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/exec.js';
import type { Ledger } from '../core/ledger.js';
import { runContainer } from '../docker/cli.js';
export { FOREIGN_BUSYBOX } from './tiny-guest.js';
export const EMULATOR = 'qemu-aarch64';

/** e_machine values of the ELF header (elf.h) this module names. */
const MACHINES: Record<number, string> = { 3: 'i386', 40: 'arm', 62: 'x86_64', 183: 'aarch64', 243: 'riscv64' };

/** The architecture an ELF file is built for, read from its header (EI_DATA picks the byte order). */
export async function elfMachine(file: string): Promise<string> {
  const h = await readFile(file).then((b) => b.subarray(0, 20));
  if (h.length < 20 || h.readUInt32BE(0) !== 0x7f454c46) return 'not an ELF file';
  const m = h[5] === 2 ? h.readUInt16BE(18) : h.readUInt16LE(18);
  return MACHINES[m] ?? `e_machine ${m}`;
}

/** An enabled binfmt_misc handler: the kernel would hand a foreign binary to it (then "native" exec runs emulated). */
export async function binfmtHandlers(): Promise<string[]> {
  const dir = '/proc/sys/fs/binfmt_misc';
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: string[] = [];
  for (const n of names.filter((x) => x !== 'register' && x !== 'status')) {
    const text = await readFile(path.join(dir, n), 'utf8').catch(() => '');
    const interp = /^interpreter (\S+)/m.exec(text)?.[1];
    if (/^enabled/m.test(text) && interp) out.push(`${n} → ${interp}`);
  }
  return out;
}

export interface Attempt {
  exitCode: number | null;
  /** what the program printed, or why it did not run */
  output: string;
}

/** The same work in every place: a busybox shell loop, then the machine it believes it runs on. */
const LOOPS = 200_000;
const WORK = `i=0; while [ $i -lt ${LOOPS} ]; do i=$((i+1)); done; echo "loops $i"; uname -m`;

const attempt = (r: { exitCode: number | null; stdout: string; stderr: string }): Attempt =>
  ({ exitCode: r.exitCode, output: `${r.stdout}${r.stderr}`.trim().slice(-400) });

/**
 * execve by bash: glibc's execvp (node, perl, busybox, util-linux) would run a file the kernel
 * refuses with ENOEXEC as a shell script instead; bash reports the kernel's refusal.
 */
export async function execNatively(file: string): Promise<Attempt> {
  return attempt(await run('bash', ['-c', 'exec "$0" sh -c "$1"', file, WORK], { check: false, timeoutMs: 30_000 }));
}

/** The binary as a default container's command (bind-mounted read-only, no network). */
export async function execInContainer(ledger: Ledger, file: string, image: string): Promise<Attempt> {
  // Unique in the run: its workers (a claim, its negative control) try this side by side.
  // Named busybox-*: a busybox takes the applet from its name, and one so prefixed is busybox itself.
  const { result: r } = await runContainer(ledger, `vm-foreign-${Math.random().toString(36).slice(2, 8)}`,
    ['--network', 'none', '-v', `${file}:/busybox-foreign:ro`, image, '/busybox-foreign', 'sh', '-c', WORK],
    { detach: false, check: false });
  return attempt(r);
}

export interface Timed extends Attempt {
  /** CPU time (user + sys, from the child's rusage) and wall time, seconds */
  cpuS: number;
  wallS: number;
}

/** `busybox time` reports the child's rusage: CPU time is the work done, whatever else the host runs. */
async function timed(argv: string[]): Promise<Timed> {
  const r = await run('busybox', ['time', '-f', 'ISOLAB-TIME %e %U %S', ...argv, 'sh', '-c', WORK], { check: false, timeoutMs: 120_000 });
  const t = /ISOLAB-TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return {
    exitCode: r.exitCode, output: `${r.stdout}${r.stderr.replace(/ISOLAB-TIME.*\n?/, '')}`.trim().slice(-400),
    cpuS: t ? Number(t[2]) + Number(t[3]) : NaN, wallS: t ? Number(t[1]) : NaN,
  };
}

export interface Slowdown {
  native: Timed[];
  emulated: Timed[];
  /** median emulated CPU time / median native CPU time */
  ratio: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The work natively (the host's busybox) and emulated (the foreign one), alternating, `pairs` times. */
export async function slowdown(hostBusybox: string, foreign: string, pairs = 3): Promise<Slowdown> {
  const native: Timed[] = [];
  const emulated: Timed[] = [];
  for (let i = 0; i < pairs; i++) {
    native.push(await timed([hostBusybox]));
    emulated.push(await timed([EMULATOR, foreign]));
  }
  return { native, emulated, ratio: median(emulated.map((t) => t.cpuS)) / median(native.map((t) => t.cpuS)) };
}

export { LOOPS as EMULATION_LOOPS };
