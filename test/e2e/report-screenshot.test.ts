// report.html renders in headless Chromium (Debian's package) and is self-contained.
import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, which } from '../../src/core/exec.js';
import { toHtml } from '../../src/report/html.js';
import type { Results } from '../../src/types/results.js';
import { masquerade } from '../../suites/netns/topologies.js';

const results: Results = {
  schema: 'isolab/results@1',
  run: { id: 'shot01', startedAt: '2026-11-28T00:00:00Z', finishedAt: '2026-11-28T00:01:00Z', argv: ['isolab', 'run'],
    suites: ['cgroups', 'netns'] },
  host: { kernel: '6.1.0', arch: 'x86_64', cpus: 2, root: true, cgroup: 'hybrid', docker: '20.10.24',
    compose: 'v1 1.29.2', builder: 'legacy', registry: false, kvm: false },
  claims: [
    { id: 'cgroups.cpu-weight-split', suite: 'cgroups', statement: 'weight 20 vs 80', verdict: 'pass',
      evidence: { summary: 'red 79.8% / blue 20.2% of CPU 0 over 2 s (expected 80/20 ±2)' }, durationMs: 2500,
      checks: [{ ok: true, what: 'red gets 80.0% ±2 pp', actual: '79.8%' }] },
    { id: 'cgroups.cpu-quota', suite: 'cgroups', statement: 'cpu quota caps usage', verdict: 'fail',
      reason: '✗ usage capped at 20% ±2 pp: got 35%', evidence: {}, durationMs: 2500,
      captured: { 'cgroup files': { '/sys/fs/cgroup/cpu/isolab-x/capped/cpu.cfs_quota_us': '-1' } } },
    { id: 'netns.masquerade', suite: 'netns', statement: 'MASQUERADE rewrites the source', verdict: 'pass',
      evidence: { summary: 'the wan server saw 203.0.113.1', topologies: { masquerade: masquerade(true) } }, durationMs: 900 },
    { id: 'netns.docker-bridge', suite: 'netns', statement: 'containers reach each other by name', verdict: 'skip',
      reason: 'no Docker engine: run `sudo npx isolab provision`', evidence: {}, durationMs: 1 },
  ],
  summary: { passed: 2, failed: 1, skipped: 1 },
  leaks: [],
  bench: { ladder: [{ rung: 'process', command: '/bin/true', meanMs: 4.1, p50Ms: 4, p99Ms: 6.6, rme: 7, samples: 50,
    minMs: 3.5 }, { rung: 'vm', command: 'qemu', meanMs: 3348, p50Ms: 3348, p99Ms: 3348, rme: 0, samples: 1,
    minMs: 3348, accelerator: 'tcg', ratioToFloor: 816 }] },
};

const chromium = await which('chromium');

describe.skipIf(!chromium && process.env.CI !== 'true')('report.html', () => {
  it('is self-contained and renders to a screenshot', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'test-shot-'));
    try {
      const html = await toHtml(results);
      expect(html).not.toMatch(/(src|href)="https?:/);
      expect(html).toContain('red 79.8% / blue 20.2% of CPU 0');
      expect(html).toContain('topology masquerade');
      expect(html).toContain('<svg');
      const page = path.join(dir, 'report.html');
      await writeFile(page, html);
      const png = path.join(dir, 'report.png');
      await run('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(dir, 'profile')}`,
          '--window-size=1280,1600', `--screenshot=${png}`, `file://${page}`], { timeoutMs: 45_000 });
      const buf = await readFile(png);
      expect(buf.subarray(1, 4).toString()).toBe('PNG');
      expect(buf.readUInt32BE(16)).toBe(1280);
      expect(buf.length).toBeGreaterThan(50_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
