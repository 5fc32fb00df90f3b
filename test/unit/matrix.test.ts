import { describe, it, expect } from 'vitest';
import { buildMatrix, matrixMarkdown } from '../../src/report/matrix.js';
import type { Results } from '../../src/types/results.js';

const res = (id: string, host: Record<string, unknown>, claims: Array<[string, 'pass' | 'differs' | 'fail' | 'skip']>,
  ladder?: Array<[string, number]>): Results => ({
  schema: 'isolab/results@1',
  run: { id, startedAt: '', finishedAt: '', argv: [] },
  host,
  claims: claims.map(([cid, verdict]) => ({ id: cid, suite: cid.split('.')[0]!, statement: '', verdict, evidence: {}, durationMs: 1 })),
  summary: { passed: 0, failed: 0, skipped: 0 },
  ...(ladder ? { bench: { ladder: ladder.map(([rung, meanMs]) => ({ rung, command: '', meanMs })) } } : {}),
});

const debian = { kernel: '6.1.0', arch: 'x86_64', cgroup: 'hybrid', docker: '20.10.24', compose: 'v1 1.29.2' };
const ubuntu = { kernel: '6.8.0', arch: 'x86_64', cgroup: 'v2', docker: '28.0.4', compose: 'v2 2.35.1' };

describe('compatibility matrix', () => {
  it('one column per host, runs of a host merged, claims in DESIGN order', () => {
    const m = buildMatrix([
      res('a', debian, [['cgroups.cpu-weight-split', 'pass'], ['overlay.union', 'pass']]),
      res('b', ubuntu, [['cgroups.cpu-weight-split', 'fail']]),
      res('c', debian, [['netns.veth', 'pass']], [['process', 4.1], ['vm', 3300]]),
    ]);
    expect(m.hosts.map((h) => h.label)).toEqual(['6.1.0 · hybrid', '6.8.0 · v2']);
    expect(m.claims.map((c) => c.id)).toEqual(['overlay.union', 'cgroups.cpu-weight-split', 'netns.veth']);
    expect(m.claims.find((c) => c.id === 'cgroups.cpu-weight-split')!.verdicts).toEqual(['pass', 'fail']);
    expect(m.claims.find((c) => c.id === 'netns.veth')!.verdicts).toEqual(['pass', '—']);
    expect(m.ladder).toEqual([{ rung: 'process', meanMs: [4.1, null] }, { rung: 'vm', meanMs: [3300, null] }]);
    expect(matrixMarkdown(m)).toMatch(/\| `cgroups.cpu-weight-split` \| ✅ \| ❌ \|/);
  });
});

describe('departures from the slide', () => {
  it('a differs cell carries its number and why; combine puts fail > differs > pass', async () => {
    const { combine } = await import('../../src/types/results.js');
    expect(combine(['pass', 'differs', 'skip'])).toBe('differs');
    expect(combine(['differs', 'fail'])).toBe('fail');
    const v2 = res('g', { ...ubuntu, guest: { name: 'trixie' } }, [['cgroups.docker-cpu-shares', 'differs']]);
    v2.claims[0]!.scenarios = [{ name: 'the lecture: 20 vs 80', verdict: 'differs', durationMs: 1,
      slide: [{ says: '--cpu-shares=20/80', expected: '20.0/80.0 ±2 pp', measured: '24.4/75.6', holds: false,
      why: 'runc 1.1.15 wrote cpu.weight 1/3' }] }];
    const m = buildMatrix([res('a', debian, [['cgroups.docker-cpu-shares', 'pass']]), v2]);
    expect(m.hosts.map((h) => h.label)).toEqual(['6.1.0 · hybrid', 'trixie guest · 6.8.0 · v2']);
    const md = matrixMarkdown(m);
    expect(md).toMatch(/\| `cgroups.docker-cpu-shares` \| ✅ \| 🔶 slide: --cpu-shares=20\/80 · here: 24.4\/75.6 — runc 1.1.15 wrote cpu.weight 1\/3 \|/);
  });
});

describe('the engine a column ran', () => {
  it('names the OCI runtime the engine used: crun under podman, runc under docker', () => {
    const trixie = { kernel: '6.12', arch: 'x86_64', cgroup: 'v2', runc: '1.1.15+ds1', guest: { name: 'trixie' } };
    const m = buildMatrix([
      res('d', { ...trixie, docker: '26.1.5', engine: 'docker 26.1.5', compose: 'v2 2.26.1' }, [['overlay.union', 'pass']]),
      res('p', { ...trixie, docker: null, engine: 'podman 5.4.2', compose: 'podman-compose 1.3.0',
        details: { docker: { name: 'podman', runtime: 'crun 1.21' } } }, [['overlay.union', 'pass']]),
    ]);
    expect(m.hosts.map((h) => [h.label, h.runtime])).toEqual([['trixie guest · 6.12 · v2', 'runc 1.1.15+ds1'],
      ['trixie guest · 6.12 · v2 · podman', 'crun 1.21']]);
    expect(matrixMarkdown(m)).toMatch(/\| podman 5\.4\.2 \| podman-compose 1\.3\.0 \| crun 1\.21 \|/);
  });
});
