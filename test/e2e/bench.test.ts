// The bench is not timed here: these only check that it runs end to end and writes
// well-formed results, and that a rung whose tool is missing is skipped with the reason.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLadder } from '../../src/bench/rungs.js';
import { ExecTimer } from '../../src/bench/exec-timer.js';
import { Ledger } from '../../src/core/ledger.js';
import { currentHost } from '../../src/claims/current-host.js';
import { requireRoot } from '../controls/gate.js';

const BIN = fileURLToPath(new URL('../../bin/isolab.js', import.meta.url));

function isolab(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const e = { ...env };
    delete e.ISOLAB_HOST;
    delete e.ISOLAB_RUN_DIR;
    delete e.ISOLAB_RUN_ID;
    const p = spawn(process.execPath, [BIN, ...args], { env: e });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => resolve({ code, out }));
  });
}

describe('bench', () => {
  it('the exec timer measures a command, and names one that fails or hangs', async () => {
    const t = new ExecTimer();
    try {
      const ms = await t.time(['/bin/true']);
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThan(100);
      await expect(t.time(['/bin/false'])).rejects.toThrow(/\/bin\/false` exited with status 1/);
      await expect(t.time(['sleep', '5'], 200)).rejects.toThrow(/did not finish within 0.2 s/);
    } finally {
      t.close();
    }
  });

  it('a rung whose tool is missing is skipped, with the reason', async () => {
    const host = { ...(await currentHost()), qemu: null, runc: null };
    const timer = new ExecTimer();
    const rows = await runLadder({ ledger: new Ledger(), host, timer, quick: true, progress: () => undefined }, [
      { rung: 'vm', command: 'qemu', needs: ['qemu'], samples: { full: 1, quick: 1 }, setup: async () => ({ op: async () => undefined }) },
      { rung: 'oci-runtime', command: 'runc run', needs: ['runc'], samples: { full: 1, quick: 1 },
        setup: async () => ({ op: async () => undefined }) },
    ]);
    timer.close();
    expect(rows.map((r) => [r.rung, r.skipped])).toEqual([
      ['vm', expect.stringMatching(/qemu-system-x86_64 not installed/)],
      ['oci-runtime', expect.stringMatching(/runc not installed/)],
    ]);
  });

  it.skipIf(!requireRoot())('--quick runs end to end and writes well-formed results', { timeout: 180_000 }, async () => {
    const reports = await mkdtemp(path.join(tmpdir(), 'test-bench-'));
    try {
      const r = await isolab(['bench', '--quick'], { ...process.env, ISOLAB_REPORTS: reports, NO_COLOR: '1' });
      expect(r.code, r.out).toBe(0);
      const res = JSON.parse(await readFile(path.join(reports, 'latest', 'results.json'), 'utf8'));
      expect(res.schema).toBe('isolab/results@3');
      expect(res.leaks).toEqual([]);
      const rungs = res.bench.ladder.map((x: { rung: string }) => x.rung);
      expect(rungs).toEqual(['process', 'namespaces', 'oci-runtime', 'isolab container', 'container (--network none)',
        'container (engine API: testcontainers)', 'container (bridge)', 'container (warm start)', 'vm']);
      for (const row of res.bench.ladder) {
        if (row.skipped) continue;
        expect(row, row.rung).toMatchObject({ meanMs: expect.any(Number), p50Ms: expect.any(Number),
          p99Ms: expect.any(Number), rme: expect.any(Number), samples: expect.any(Number) });
      }
      expect(res.bench.ladder.find((x: { rung: string }) => x.rung === 'vm').accelerator).toMatch(/^(kvm|tcg)$/);
      expect(res.claims.map((c: { id: string }) => c.id)).toEqual(['bench.startup-ladder', 'bench.sizes', 'bench.primitive-costs']);
      expect(await readFile(path.join(reports, 'latest', 'ladder.svg'), 'utf8')).toMatch(/^<svg/);
      expect(r.out).toMatch(/^claims: \d+ passed, 0 failed, \d+ skipped$/m);
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  });
});
