// A VM that runs a probe: the provisioned kernel and busybox initramfs with a second archive
// appended whose /init is the probe (the kernel unpacks concatenated initramfs archives in
// order, later files replacing earlier ones). No network device; bounded; the qemu process is
// the run's, by pid, ended by the ledger on failure, timeout and SIGINT.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/exec.js';
import { scratchDir } from '../core/fs.js';
import type { Ledger } from '../core/ledger.js';
import type { Accel, Guest } from './tiny-guest.js';

export interface ProbeBoot {
  accel: Accel;
  memMb: number;
  /** the probe's stdout (the serial console), and when each marker line appeared (ms from start) */
  output: string;
  seen: Record<string, number>;
  ms: number;
  exitCode: number | null;
  timedOut: boolean;
  pid: number;
  /** what `during(pid)` returned, called once the guest printed `waitFor` */
  during?: unknown;
}

/** The base initramfs with `script` as /init appended: a file in a scratch dir of the ledger's. */
export async function probeInitrd(ledger: Ledger, g: Guest, script: string): Promise<string> {
  const dir = await scratchDir(ledger, 'vm-initrd', { tmpfs: false });
  await mkdir(path.join(dir, 'tree'));
  await writeFile(path.join(dir, 'tree', 'init'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  await run('sh', ['-c', 'cd tree && echo init | cpio -o -H newc --quiet | gzip -1 > ../probe.cpio.gz'], { cwd: dir, timeoutMs: 20_000 });
  const out = path.join(dir, 'initrd.gz');
  await writeFile(out, Buffer.concat([await readFile(g.initrd), await readFile(path.join(dir, 'probe.cpio.gz'))]));
  return out;
}

/**
 * Boot the probe and read its console. With `waitFor`, call `during(qemu's pid)` once the guest
 * has printed that line (the guest keeps running meanwhile: the probe waits on the host's word
 * by sleeping), then let it finish. The guest powers itself off; the bound kills it otherwise.
 */
export async function bootProbe(ledger: Ledger, g: Guest, initrd: string, o: {
  accel: Accel; memMb?: number; timeoutMs?: number; append?: string; extra?: string[];
  waitFor?: string; during?: (pid: number) => Promise<unknown>;
}): Promise<ProbeBoot> {
  const memMb = o.memMb ?? 128;
  const args = ['-M', 'pc', '-accel', o.accel, '-m', String(memMb), '-nographic', '-nodefaults', '-net', 'none', '-serial', 'stdio',
    '-no-reboot', '-kernel', g.kernel, '-initrd', initrd, '-append',
      `console=ttyS0 quiet panic=-1 ${o.append ?? ''}`.trim(), ...(o.extra ?? [])];
  const t0 = performance.now();
  const p = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = p.pid!;
  let ended = false;
  ledger.add('process', `qemu ${pid}`, async () => {
    if (!ended) p.kill('SIGKILL');
  });
  let output = '';
  const seen: Record<string, number> = {};
  let during: Promise<unknown> | undefined;
  let result: unknown;
  p.stdout.on('data', (d: Buffer) => {
    output += d.toString('latin1');
    // Whole lines only: a marker arrives in pieces.
    for (const line of output.split('\n').slice(0, -1)) {
      const m = /^(ISOLAB-[A-Z-]+)\r?$/.exec(line);
      if (m && seen[m[1]!] === undefined) seen[m[1]!] = Math.round(performance.now() - t0);
    }
    if (o.waitFor && o.during && !during && output.includes(o.waitFor))
      during = o.during(pid).then((r) => (result = r), (e) => (result = { error: (e as Error).message }));
  });
  p.stderr.on('data', (d: Buffer) => (output += d.toString('latin1')));
  const timeoutMs = o.timeoutMs ?? 60_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    p.kill('SIGKILL');
  }, timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  ended = true;
  clearTimeout(timer);
  if (during) await during;
  return { accel: o.accel, memMb, output: output.slice(-8000), seen, ms: Math.round(performance.now() - t0), exitCode,
    timedOut, pid, ...(during ? { during: result } : {}) };
}
