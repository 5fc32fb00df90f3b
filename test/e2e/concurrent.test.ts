// Two isolab runs on one host: neither fails, neither counts the other's resources as its own
// leaks, CPU windows stay exclusive (one waits, and its evidence says so), and `isolab clean`
// during a live run removes only a dead run's leftovers.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/core/exec.js';
import { newRunId } from '../../src/core/names.js';
import { currentHost } from '../../src/claims/current-host.js';
import { requireRoot } from '../controls/gate.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const host = await currentHost();

interface Started { id: string; reports: string;
  done: Promise<{ code: number | null; signal: string | null; out: string }>; kill: () => void }

function start(args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const id = newRunId();
  const reports = path.join(tmpdir(), `concurrent-${id}`);
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ISOLAB_RUN_ID: id, ISOLAB_REPORTS: reports, ...env };
  for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR']) delete e[k];
  const p = spawn(process.execPath, [path.join(repo, 'bin/isolab.js'), 'run', ...args], { env: e, cwd: repo, detached: true });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    p.on('exit', (code, signal) => resolve({ code, signal, out })));
  return { id, reports, done, kill: () => process.kill(-p.pid!, 'SIGKILL') };
}
const results = async (s: Started) => JSON.parse(await readFile(path.join(s.reports, 'latest', 'results.json'), 'utf8'));
const cleanup = (...s: Started[]) => Promise.all(s.map((x) => rm(x.reports, { recursive: true, force: true })));

describe.skipIf(!requireRoot())('two runs on one host', () => {
  it('overlay + netns twice, together: both pass, each leak check clean', { timeout: 180_000 }, async () => {
    // The second starts once the first has taken its snapshot and holds each check's resources,
    // so it is mid-check, with namespaces the first never saw at its start, when the first ends.
    // Claims that make every kind of resource of the two suites (namespaces, veth pairs and their
    // addresses and routes, iptables rules, a bridge, overlay mounts), not all of them (61 s).
    const kinds = ['netns.veth', 'netns.masquerade', 'netns.bridge', 'netns.p2p-testbed', 'overlay.union',
      'overlay.stacked'].flatMap((c) => ['--claim', c]);
    // Holds stretch both, so the order does not depend on how fast the checks are: the first's
    // overlay checks 2 × 8 s end it at ~20 s, while the second, started at 6 s, holds its first
    // overlay check's mounts from ~10 s to ~30 s.
    const a = start(kinds, { ISOLAB_HOLD_MS: '8000' });
    await new Promise((r) => setTimeout(r, 6000));
    const b = start(kinds, { ISOLAB_HOLD_MS: '20000' });
    try {
      const [ra, rb] = await Promise.all([a.done, b.done]);
      expect(ra.code, ra.out).toBe(0);
      expect(rb.code, rb.out).toBe(0);
      const [xa, xb] = [await results(a), await results(b)];
      expect(xa.leaks).toEqual([]);
      expect(xb.leaks).toEqual([]);
      expect(xa.summary.failed + xb.summary.failed).toBe(0);
      // The first ended while the second's resources were up, and named whose they were.
      expect(JSON.stringify([xa.notLeaks ?? [], xb.notLeaks ?? []])).toMatch(/another run's/);
    } finally {
      await cleanup(a, b);
    }
  });

  it.skipIf(!host.docker || !host.compose)('measuring runs together: windows exclusive, the waiting one says so',
    { timeout: 240_000 }, async () => {
    const a = start(['--claim', 'cgroups.cpu-weight-split', '--claim', 'compose.teardown']);
    const b = start(['--claim', 'cgroups.cpu-weight-split', '--claim', 'cgroups.docker-cpu-shares']);
    try {
      const [ra, rb] = await Promise.all([a.done, b.done]);
      expect(ra.code, ra.out).toBe(0);
      expect(rb.code, rb.out).toBe(0);
      const windows = [await results(a), await results(b)].flatMap((x) =>
        x.claims.flatMap((c: { scenarios?: Array<{ evidence: { host?: { waitedMs: number; waitedFor: string[];
        sharedWith: string[]; otherRunsAtWork: string[] } } }> }) => (c.scenarios ?? []).map((s) => s.evidence.host).filter(Boolean)));
      expect(windows.length).toBeGreaterThanOrEqual(5);
      expect(windows.some((h) => h!.sharedWith.length > 0)).toBe(true);
      // Who waits depends on which run gets there first: a window, for the other's lock or its
      // work; or a worker of the other's, for a window. Either way it names the other run, and no
      // window ended with the other run's work beside it.
      const waitsFor = (theirs: Started, out: string) => new RegExp(`waits for run ${theirs.id}\\b[^\\n]*\\(pid \\d+\\)`).test(out);
      expect(waitsFor(b, ra.out) || waitsFor(a, rb.out), `${ra.out}\n${rb.out}`).toBe(true);
      expect(windows.filter((h) => h!.waitedMs > 200).every((h) => h!.waitedFor.some((id: string) => id === a.id || id === b.id)))
        .toBe(true);
      expect(windows.every((h) => h!.otherRunsAtWork.length === 0)).toBe(true);
    } finally {
      await cleanup(a, b);
    }
  });

  it.skipIf(!host.docker)('two runs that build and start containers, at once: each removes its own build cache',
    { timeout: 300_000 }, async () => {
    // Both build (cached layers kept for the run's later builds) and start containers on the
    // default bridge, which come and go under the other's leak check; both end within seconds.
    const claims = ['image.cache-hit', 'image.cache-invalidation', 'netns.docker-bridge'].flatMap((c) => ['--claim', c]);
    const a = start(claims);
    const b = start(claims);
    try {
      const [ra, rb] = await Promise.all([a.done, b.done]);
      expect(ra.code, ra.out).toBe(0);
      expect(rb.code, rb.out).toBe(0);
      const [xa, xb] = [await results(a), await results(b)];
      expect(xa.leaks, ra.out).toEqual([]);
      expect(xb.leaks, rb.out).toEqual([]);
      for (const s of [a, b]) {
        const left = await run('docker', ['images', '-a', '-q', '--filter', `label=isolab.cache=${s.id}`], { timeoutMs: 15_000 });
        expect(left.stdout.trim(), `run ${s.id}'s build cache left on the engine`).toBe('');
      }
    } finally {
      await cleanup(a, b);
    }
  });

  it('a run killed with SIGKILL is cleaned by `isolab clean` while another runs, which is untouched', { timeout: 120_000 }, async () => {
    const dead = start(['netns', '--claim', 'netns.veth'], { ISOLAB_HOLD_MS: '60000' });
    const live = start(['overlay', '--claim', 'overlay.union'], { ISOLAB_HOLD_MS: '12000' });
    try {
      const has = async (s: Started) => (await run('ip', ['netns', 'list'])).stdout.includes(`isolab-${s.id}-`);
      const mounted = async (s: Started) => (await readFile('/proc/self/mountinfo', 'utf8')).includes(`isolab-${s.id}-`);
      for (let i = 0; i < 200 && !((await has(dead)) && (await mounted(live))); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await has(dead)).toBe(true);
      dead.kill();
      await dead.done;
      const c = await new Promise<string>((resolve) => {
        const p = spawn(process.execPath, [path.join(repo, 'bin/isolab.js'), 'clean'], { env: { ...process.env, NO_COLOR: '1' } });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.on('exit', () => resolve(out));
      });
      expect(c).toMatch(new RegExp(`removed netns isolab-${dead.id}-`));
      expect(c).not.toMatch(new RegExp(`isolab-${live.id}`));
      expect(await has(dead)).toBe(false);
      const r = await live.done;
      expect(r.code, r.out).toBe(0);
      expect((await results(live)).leaks).toEqual([]);
    } finally {
      await cleanup(dead, live);
    }
  });
});
