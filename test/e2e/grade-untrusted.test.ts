// Untrusted submissions on the grader's host: what reaches for the host is refused before it
// runs (and costs its points with file:line), what runs stays contained (a fork bomb, a log
// flood, a server that never answers, a multi-GB layer), the grade is still written, and the
// host is unchanged. Another assignment declared as data is graded right, and a student without
// root grades the sample to full marks.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { access, chown, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentHost } from '../../src/claims/host.js';
import { run } from '../../src/core/exec.js';
import { requireRoot } from '../controls/gate.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fx = (p: string) => path.join(repo, 'fixtures/grading', p);
const host = await currentHost();
const ready = !!host.docker && !!host.compose && (!!host.images.go || host.registry);

function isolab(args: string[], env: NodeJS.ProcessEnv = {}, wrap: string[] = []): Promise<{ code: number | null; out: string }> {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR', 'ISOLAB_RUN_ID', 'ISOLAB_SUBMISSION', 'ISOLAB_ASSIGNMENT']) delete e[k];
  return new Promise((resolve) => {
    const argv = [...wrap, process.execPath, path.join(repo, 'bin/isolab.js'), ...args];
    const p = spawn(argv[0]!, argv.slice(1), { env: e, cwd: repo });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => resolve({ code, out }));
  });
}
const lastScore = (out: string) => /^score: ([\d.]+)\/(\d+)$/m.exec(out.trim().split('\n').pop() ?? '')?.slice(1).map(Number) ?? [];

describe.skipIf(!requireRoot() || (!ready && process.env.CI !== 'true'))('grading untrusted submissions', () => {
  it('refuses a compose file that mounts the host and joins its namespaces, before it runs', { timeout: 120_000 }, async () => {
    const reports = await mkdtemp(path.join(tmpdir(), 'grade-escape-'));
    const canary = '/tmp/isolab-canary-escape';
    try {
      const r = await isolab(['grade', fx('hostile/escape'), '--format', 'gradescope'], { ISOLAB_REPORTS: reports });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/compose\/docker-compose\.yml:7: services\.client\.privileged/);
      expect(r.out).toMatch(/compose\/docker-compose\.yml:8: services\.client\.pid/);
      expect(r.out).toMatch(/compose\/docker-compose\.yml:10: services\.client\.volumes\[0\] binds a host path: \/ is outside the submission/);
      // hello/ and the multi-stage build are still graded: 2 + 1 + 1 + 3 of 11
      expect(lastScore(r.out)).toEqual([7, 11]);
      expect(await access(canary).then(() => 'written', () => 'absent')).toBe('absent');
      const gs = JSON.parse(await readFile(path.join(reports, 'latest', 'gradescope.json'), 'utf8'));
      expect(gs.tests.find((t: { name: string }) => t.name.startsWith('compose.service-dns')).output).toMatch(/refused before running/);
      const res = JSON.parse(await readFile(path.join(reports, 'latest', 'results.json'), 'utf8'));
      expect(res.leaks).toEqual([]);
    } finally {
      await rm(canary, { force: true });
      await rm(reports, { recursive: true, force: true });
    }
  });

  it('contains a fork bomb, a log flood, a server that never answers and a multi-GB layer', { timeout: 300_000 }, async () => {
    const reports = await mkdtemp(path.join(tmpdir(), 'grade-contained-'));
    const sub = fx('hostile/contained');
    try {
      const t0 = Date.now();
      const r = await isolab(['grade', sub, '--assignment', path.join(sub, 'assignment.yaml'), '--rubric', path.join(sub, 'rubric.json')], { ISOLAB_REPORTS: reports });
      expect(r.code, r.out).toBe(0);
      expect(lastScore(r.out)).toEqual([0, 6]);
      const res = JSON.parse(await readFile(path.join(reports, 'latest', 'results.json'), 'utf8'));
      const why = (id: string) => res.claims.find((c: { id: string }) => c.id === id);
      expect(why('image.layers').reason).toMatch(/did not finish within 10 s/); // the fixture's upSeconds
      expect(why('image.multistage-size').reason).toMatch(/over the assignment's 1024 MB limit/);
      expect(why('compose.service-dns').reason).toMatch(/exits 0/);
      // the flood reached the evidence capped, not whole
      expect((await stat(path.join(reports, 'latest', 'results.json'))).size).toBeLessThan(1_000_000);
      expect(res.leaks).toEqual([]);
      expect(Date.now() - t0).toBeLessThan(280_000);
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  });

  it('grades another assignment declared as data: full marks', { timeout: 120_000 }, async () => {
    const reports = await mkdtemp(path.join(tmpdir(), 'grade-other-'));
    try {
      const r = await isolab(['grade', fx('other/submission'), '--assignment', fx('other/assignment.yaml'), '--rubric', fx('other/rubric.json'), '--format', 'classroom'], { ISOLAB_REPORTS: reports });
      expect(r.code, r.out).toBe(0);
      expect(lastScore(r.out)).toEqual([8, 8]);
      const cls = JSON.parse(Buffer.from(await readFile(path.join(reports, 'latest', 'classroom.b64'), 'utf8'), 'base64').toString('utf8'));
      expect(cls).toMatchObject({ version: 1, status: 'pass', max_score: 8 });
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  });

  it('a student without root (docker group only) grades the sample to full marks', { timeout: 150_000 }, async () => {
    const gid = /^docker:x:(\d+):/m.exec(await readFile('/etc/group', 'utf8'))?.[1];
    if (!gid) throw new Error('no docker group on this host (provisioning installs docker.io, which makes it)');
    const home = await mkdtemp(path.join(tmpdir(), 'grade-student-'));
    await chown(home, 65534, 65534);
    try {
      const r = await isolab(['grade', fx('sample')], { HOME: home, ISOLAB_REPORTS: path.join(home, 'reports'), CI: 'false' },
        ['setpriv', '--reuid=65534', '--regid=65534', `--groups=${gid}`, '--inh-caps=-all', '--']);
      expect(r.code, r.out).toBe(0);
      expect(r.out).not.toMatch(/must be superuser/);
      expect(lastScore(r.out)).toEqual([11, 11]);
      const res = JSON.parse(await readFile(path.join(home, 'reports', 'latest', 'results.json'), 'utf8'));
      expect(res.host.root).toBe(false);
      expect(res.leaks).toEqual([]);
      expect(res.leakScope).toMatch(/not root/);
    } finally {
      await run('rm', ['-rf', home]);
    }
  });
});
