// Waits as named strategies: what they wait for, bounded; past the bound null or a named error.
import { describe, it, expect } from 'vitest';
import { createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { until, logLine, file, port, WaitTimeout } from '../../src/core/waits.js';

describe('waits', () => {
  it('until returns what the probe found, and null (or a named error) once the bound passes', async () => {
    let n = 0;
    expect(await until(() => ++n >= 3 && `seen at ${n}`, { what: 'n to reach 3', timeoutMs: 2000, everyMs: 5 })).toBe('seen at 3');
    const t0 = performance.now();
    expect(await until(() => false, { what: 'never', timeoutMs: 120, everyMs: 20 })).toBeNull();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
    await expect(until(() => null, { what: 'the socket', timeoutMs: 50, everyMs: 10, orThrow: true }))
      .rejects.toBeInstanceOf(WaitTimeout);
    await expect(until(() => null, { what: 'the socket', timeoutMs: 50, everyMs: 10, orThrow: true }))
      .rejects.toThrow(/^waited \d+ ms for the socket$/);
  });

  it('a log line, a file, a port: found when there, null when not', async () => {
    let text = 'starting\n';
    setTimeout(() => (text += 'listening on 8080\n'), 30);
    expect(await logLine(() => text, /listening on (\d+)/, { what: 'the server', timeoutMs: 2000, everyMs: 5 })).toBe('listening on 8080');
    const dir = await mkdtemp(path.join(tmpdir(), 'test-unit-waits-'));
    try {
      expect(await file(path.join(dir, 'ready'), { what: 'ready', timeoutMs: 60, everyMs: 10 })).toBeNull();
      await writeFile(path.join(dir, 'ready'), '');
      expect(await file(path.join(dir, 'ready'), { what: 'ready', timeoutMs: 60 })).toBe(path.join(dir, 'ready'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const p = (server.address() as { port: number }).port;
    try {
      expect(await port('127.0.0.1', p, { what: 'the port', timeoutMs: 1000 })).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await port('127.0.0.1', p, { what: 'the closed port', timeoutMs: 100, everyMs: 20 })).toBeNull();
  });
});
