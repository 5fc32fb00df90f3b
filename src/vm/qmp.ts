// QEMU's machine protocol (QMP) over a unix socket: JSON commands, one reply each, every call
// time-bounded. Enough for a migration: capabilities, migrate, query-migrate.
import { createConnection, type Socket } from 'node:net';
import { until } from '../core/waits.js';

export interface Qmp {
  call(execute: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): void;
}

/** Connect (retrying while QEMU creates the socket), read the greeting, enter command mode. */
export async function qmp(socketPath: string, timeoutMs = 15_000): Promise<Qmp> {
  const deadline = Date.now() + timeoutMs;
  const s = await until(() => new Promise<Socket | null>((resolve) => {
    const c = createConnection(socketPath);
    c.once('connect', () => resolve(c));
    c.once('error', () => resolve(null));
  }), { what: `QMP's socket at ${socketPath}`, timeoutMs, everyMs: 50, orThrow: true }) as Socket;
  let buf = '';
  const waiting: Array<(msg: Record<string, unknown>) => void> = [];
  s.on('data', (d) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if ('event' in msg) continue; // asynchronous events: not replies
      waiting.shift()?.(msg);
    }
  });
  const next = (ms: number, what: string) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`QMP: no reply to ${what} within ${ms / 1000} s`)), ms);
    waiting.push((m) => {
      clearTimeout(t);
      resolve(m);
    });
  });
  await next(Math.max(1000, deadline - Date.now()), 'the greeting');
  const call: Qmp['call'] = async (execute, args, ms = 10_000) => {
    const reply = next(ms, execute);
    s.write(`${JSON.stringify({ execute, ...(args ? { arguments: args } : {}) })}\n`);
    const r = await reply;
    if (r.error) throw new Error(`QMP ${execute}: ${JSON.stringify(r.error)}`);
    return (r.return ?? {}) as Record<string, unknown>;
  };
  await call('qmp_capabilities');
  return { call, close: () => s.destroy() };
}
