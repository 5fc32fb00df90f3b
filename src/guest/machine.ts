// Boot a guest with a job: the cached root disk (copy-on-write, so the cache stays pristine;
// writable only for the first, provisioning boot), a second disk made from the job folder with
// mkfs.ext4 -d, no network device. The guest runs job.sh and powers off; what it wrote to
// out/ comes back with debugfs — nothing is mounted on the host.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../core/exec.js';
import type { Ledger } from '../core/ledger.js';
import { runPrefix } from '../core/names.js';
import { UP_MARKER, EXIT_MARKER } from './recipe.js';

export interface GuestFiles {
  dir: string;
  disk: string;
  kernel: string;
  initrd: string;
}

export type Accel = 'kvm' | 'tcg';

export interface JobResult {
  exitCode: number | null;
  bootMs: number | null;
  totalMs: number;
  console: string;
  out: string;
}

export class GuestError extends Error {
  constructor(message: string, readonly consoleTail: string) {
    super(`${message}\n--- the guest's console, last lines ---\n${consoleTail}`);
    this.name = 'GuestError';
  }
}

export function qemuArgs(g: GuestFiles, job: string, o: { accel: Accel; memMb: number; cpus: number; writable: boolean }): string[] {
  return [
    '-name', `${runPrefix()}-guest`,
    // One TCG thread for both vCPUs: multi-threaded TCG races the guest kernel's own code
    // patching (seen here: "Oops: int3" in a trixie guest, 1 boot in 5); single is slower, sound.
    '-M', 'pc', '-accel', o.accel === 'kvm' ? 'kvm' : 'tcg,thread=single', '-cpu', o.accel === 'kvm' ? 'host' : 'max',
    '-smp', String(o.cpus), '-m', String(o.memMb),
    '-nographic', '-nodefaults', '-serial', 'stdio', '-no-reboot',
    '-kernel', g.kernel, '-initrd', g.initrd,
    '-append', 'console=ttyS0 root=/dev/vda rw init=/sbin/isolab-init quiet panic=-1 systemd.unified_cgroup_hierarchy=1',
    '-drive', `file=${g.disk},if=virtio,format=raw${o.writable ? '' : ',snapshot=on'}`,
    '-drive', `file=${job},if=virtio,format=raw`,
  ];
}

const tail = (s: string, n = 40) => s.trimEnd().split('\n').slice(-n).join('\n');

/**
 * Run `jobDir/job.sh` in the guest; its out/ lands in `outDir`. Every phase is bounded: the
 * guest must print its marker within bootTimeoutMs and power off within timeoutMs, else it is
 * killed (by pid) and the error carries the console's tail.
 */
export async function runJob(ledger: Ledger, g: GuestFiles, jobDir: string, outDir: string, o: {
  accel: Accel; memMb?: number; cpus?: number; writable?: boolean; bootTimeoutMs: number; timeoutMs: number;
    onLine?: (l: string) => void; extraMb?: number;
}): Promise<JobResult> {
  const scratch = await mkdtemp(path.join(tmpdir(), `${runPrefix()}-guest-`));
  // Retried: after SIGINT the main flow may still be writing into it.
  ledger.add('tempdir', scratch, () => rm(scratch, { recursive: true, force: true, maxRetries: 5 }));
  const job = path.join(scratch, 'job.img');
  const du = await run('du', ['-sm', jobDir], { timeoutMs: 60_000 });
  const mb = Number(du.stdout.split(/\s/)[0]) + (o.extraMb ?? 1024);
  await mkdir(path.join(jobDir, 'out'), { recursive: true });
  await run('mkfs.ext4', ['-q', '-F', '-L', 'isolab-job', '-d', jobDir, job, `${mb}M`], { timeoutMs: 300_000 });
  const args = qemuArgs(g, job, { accel: o.accel, memMb: o.memMb ?? 4096, cpus: o.cpus ?? 2, writable: !!o.writable });
  const t0 = performance.now();
  // Its own process group: a timeout, SIGINT or the ledger ends qemu and nothing else.
  const child = spawn('qemu-system-x86_64', args,
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, TMPDIR: scratch } });
  const kill = () => {
    try {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  const entry = ledger.add('process', `qemu ${child.pid}`, kill);
  let consoleText = '';
  let bootMs: number | null = null;
  let partial = '';
  const onData = (d: Buffer) => {
    const s = d.toString();
    consoleText += s;
    if (consoleText.length > 4_000_000) consoleText = consoleText.slice(-2_000_000);
    partial += s;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const raw of lines) {
      const l = raw.replace(/\r$/, '');
      if (bootMs === null && l.includes(UP_MARKER)) bootMs = performance.now() - t0;
      o.onLine?.(l);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', (e) => {
      consoleText += `\n${e.message}`;
      resolve(null);
    });
  });
  const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms).unref())]);
  // Boot: poll for the marker (or an early exit) within its bound.
  const bootDeadline = Date.now() + o.bootTimeoutMs;
  while (bootMs === null && child.exitCode === null && Date.now() < bootDeadline) await within(250);
  if (bootMs === null) {
    kill();
    await within(5000);
    await ledger.release(entry);
    throw new GuestError(child.exitCode !== null || child.signalCode
      ? `the guest stopped before it booted (qemu exit ${child.exitCode ?? child.signalCode})`
      : `the guest did not boot within ${o.bootTimeoutMs / 1000} s`, tail(consoleText));
  }
  if (!(await within(Math.max(0, o.timeoutMs - (performance.now() - t0))))) {
    kill();
    await within(5000);
    await ledger.release(entry);
    throw new GuestError(`the guest's job did not finish within ${o.timeoutMs / 1000} s (killed)`, tail(consoleText));
  }
  await ledger.release(entry);
  const m = new RegExp(`${EXIT_MARKER} (\\d+)`).exec(consoleText);
  await mkdir(outDir, { recursive: true });
  const dump = await run('debugfs', ['-R', `rdump /out ${outDir}`, job], { check: false, timeoutMs: 120_000 });
  const out = path.join(outDir, 'out');
  if (!(await readdir(out).catch(() => null)))
    throw new GuestError(`could not read the guest's results from its job disk: ${dump.stderr.trim()}`, tail(consoleText));
  return { exitCode: m ? Number(m[1]) : null, bootMs, totalMs: performance.now() - t0, console: consoleText, out };
}
