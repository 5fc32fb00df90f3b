// Live migration on one host: a guest counting on its console moves from one QEMU process to
// another (incoming on a unix socket of the run's scratch dir) and goes on counting there. And,
// for the negative control, the same guest restarted instead: a new kernel, a counter from 0.
// No network device in either; both qemu processes are the run's, by pid, ended by the ledger.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../core/fs.js';
import type { Ledger } from '../core/ledger.js';
import type { Accel, Guest } from './tiny-guest.js';
import { probeInitrd } from './probe-guest.js';
import { qmp } from './qmp.js';
import { until } from '../core/waits.js';

/** The guest's /init: a tick every 0.2 s, with its counter and its kernel's boot_id. */
export const TICKER = [
  'B=/bin/busybox',
  '$B mount -t proc proc /proc',
  'b=$($B cat /proc/sys/kernel/random/boot_id); i=0',
  'while :; do echo "ISOLAB-TICK $i $b"; i=$((i+1)); $B sleep 0.2; done',
].join('\n');

export interface Tick {
  n: number;
  bootId: string;
  /** ms after the migration was asked for (negative: before) */
  atMs: number;
}

export interface Migration {
  accel: Accel;
  memMb: number;
  /** the source's ticks and the destination's (or the restarted guest's) */
  source: Tick[];
  target: Tick[];
  /** QEMU's own figures (query-migrate): status, downtime, total time, RAM sent */
  status: string;
  downtimeMs?: number;
  totalMs?: number;
  transferredMb?: number;
  /** how the target came to run: migrated into, or booted anew (the control) */
  how: 'migrated' | 'restarted';
  error?: string;
}

interface Qemu {
  pid: number;
  ticks: Tick[];
  output(): string;
}

export const parseTicks = (text: string, atMs: number): Tick[] =>
  [...text.matchAll(/^ISOLAB-TICK (\d+) ([0-9a-f-]{36})\r?$/gm)].map((m) => ({ n: Number(m[1]), bootId: m[2]!, atMs }));

function start(ledger: Ledger, args: string[], t0: () => number): Qemu {
  const p = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let ended = false;
  p.on('exit', () => (ended = true));
  ledger.add('process', `qemu ${p.pid}`, async () => {
    if (!ended) p.kill('SIGKILL');
  });
  const q: Qemu = { pid: p.pid!, ticks: [], output: () => out };
  let out = '';
  let partial = '';
  p.stdout.on('data', (d: Buffer) => {
    const text = d.toString('latin1');
    out = (out + text).slice(-8000);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    q.ticks.push(...parseTicks(lines.join('\n'), Math.round(t0())));
  });
  p.stderr.on('data', (d: Buffer) => (out = (out + d.toString('latin1')).slice(-8000)));
  return q;
}

/** `ok` within `ms`, or an error that says what did not happen. */
async function within(what: string, ms: number, ok: () => boolean): Promise<void> {
  if (!(await until(ok, { what, timeoutMs: ms, everyMs: 50 }))) throw new Error(`${what} within ${ms / 1000} s`);
}

/**
 * Boot the ticker, let it count, then move it to a second QEMU (`restart: false`) or stop it and
 * boot the same guest anew (`restart: true`, the control); read a few ticks from the target.
 */
export async function migrateTicker(ledger: Ledger, g: Guest,
  o: { accel: Accel; memMb?: number; restart?: boolean; boundMs?: number }): Promise<Migration> {
  const memMb = o.memMb ?? 128;
  const bound = o.boundMs ?? 60_000;
  const dir = await scratchDir(ledger, 'vm-migrate', { tmpfs: false });
  const initrd = await probeInitrd(ledger, g, TICKER);
  const base = ['-M', 'pc', '-accel', o.accel, '-m', String(memMb), '-nographic', '-nodefaults', '-net', 'none', '-serial', 'stdio',
    '-no-reboot', '-kernel', g.kernel, '-initrd', initrd, '-append', 'console=ttyS0 quiet panic=-1'];
  let asked = 0;
  const since = () => (asked ? performance.now() - asked : -1);
  const source = start(ledger, [...base, '-qmp', `unix:${path.join(dir, 'source.qmp')},server=on,wait=off`], since);
  const m: Migration = { accel: o.accel, memMb, source: source.ticks, target: [], status: 'not started',
    how: o.restart ? 'restarted' : 'migrated' };
  try {
    await within(`the guest did not count to 5 (boot under ${o.accel})`, bound, () => source.ticks.length >= 5);
    const src = await qmp(path.join(dir, 'source.qmp'));
    let target: Qemu;
    try {
      if (o.restart) {
        await src.call('quit').catch(() => undefined);
        asked = performance.now();
        target = start(ledger, base, since);
        m.status = 'restarted';
      } else {
        const sock = path.join(dir, 'migrate.sock');
        target = start(ledger, [...base, '-incoming', `unix:${sock}`], since);
        await within('the target opened no incoming socket', 15_000, () => existsSync(sock));
        asked = performance.now();
        await src.call('migrate', { uri: `unix:${sock}` });
        const r = await until(async () => {
          const q = await src.call('query-migrate');
          m.status = String(q.status ?? '?');
          return ['completed', 'failed', 'cancelled'].includes(m.status) && q;
        }, { what: 'the migration to end', timeoutMs: bound, everyMs: 100 });
        if (!r) throw new Error(`migration still ${m.status} after ${bound / 1000} s`);
        if (typeof r.downtime === 'number') m.downtimeMs = r.downtime;
        if (typeof r['total-time'] === 'number') m.totalMs = r['total-time'] as number;
        const ram = r.ram as { transferred?: number } | undefined;
        if (ram?.transferred) m.transferredMb = Math.round(ram.transferred / 1048576);
        if (m.status !== 'completed') throw new Error(`migration ${m.status}`);
      }
    } finally {
      src.close();
    }
    m.target = target.ticks;
    await within('the target printed no 3 ticks', bound, () => target.ticks.length >= 3);
  } catch (e) {
    m.error = (e as Error).message;
  }
  return m;
}
