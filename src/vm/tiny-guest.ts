// The VM rung's guest: a kernel + busybox initramfs made by provisioning, booted by qemu
// with -kernel/-initrd; /init prints a marker and powers off, so boot-to-exit is measurable.
import { access, stat } from 'node:fs/promises';
import { run } from '../core/exec.js';
import { setting } from '../core/settings.js';

export const VM_DIR = setting('vmDir') ?? '/var/cache/isolab/vm';
export const MARKER = 'ISOLAB-VM-UP';
/** Debian's busybox-static for arm64, unpacked by provisioning: a binary of another architecture. */
export const FOREIGN_BUSYBOX = `${VM_DIR}/busybox-arm64`;

export interface Guest {
  kernel: string;
  initrd: string;
}

export async function guest(): Promise<Guest | null> {
  const g = { kernel: `${VM_DIR}/vmlinuz`, initrd: `${VM_DIR}/initrd.gz` };
  const ok = await Promise.all([access(g.kernel), access(g.initrd)]).then(() => true, () => false);
  return ok ? g : null;
}

export async function guestSizes(g: Guest): Promise<{ kernelBytes: number; initrdBytes: number }> {
  return { kernelBytes: (await stat(g.kernel)).size, initrdBytes: (await stat(g.initrd)).size };
}

export type Accel = 'kvm' | 'tcg';

export interface BootResult {
  accel: Accel;
  ms: number;
  up: boolean;
  memTotalKb?: number;
  memUsedKb?: number;
  output: string;
  timedOut: boolean;
}

export function qemuArgs(g: Guest, accel: Accel, memMb = 128): string[] {
  return ['-M', 'pc', '-accel', accel, '-m', String(memMb), '-nographic', '-nodefaults', '-serial', 'stdio',
    '-no-reboot', '-kernel', g.kernel, '-initrd', g.initrd, '-append', 'console=ttyS0 quiet panic=-1'];
}

/** Boot to poweroff, time-bounded; `up` only when the guest's /init printed the marker. */
export async function boot(g: Guest, accel: Accel, timeoutMs = 30_000): Promise<BootResult> {
  const r = await run('qemu-system-x86_64', qemuArgs(g, accel), { check: false, timeoutMs });
  const mem = /Mem:\s+(\d+)\s+(\d+)/.exec(r.stdout);
  return {
    accel,
    ms: r.durationMs,
    up: r.stdout.includes(MARKER),
    ...(mem ? { memTotalKb: Number(mem[1]), memUsedKb: Number(mem[2]) } : {}),
    output: r.stdout.slice(-2000),
    timedOut: r.timedOut,
  };
}
