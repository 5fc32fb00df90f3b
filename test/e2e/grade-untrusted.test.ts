// Untrusted submissions on the grader's host: what reaches for the host is refused before it
// runs (and costs its points with file:line), what runs stays contained (a fork bomb, a log
// flood, a server that never answers, a build that writes without end), the grade is still written, and the
// host is unchanged. Another assignment declared as data is graded right, and a student without
// root grades the sample to full marks.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { access, chown, copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentHost } from '../../src/claims/current-host.js';
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
/** The same, with stdout apart: what a grader's script reads from `--json`. */
function isolabStdout(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR', 'ISOLAB_RUN_ID', 'ISOLAB_SUBMISSION', 'ISOLAB_ASSIGNMENT']) delete e[k];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(repo, 'bin/isolab.js'), ...args], { env: e, cwd: repo });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
const lastScore = (out: string) => /^score: ([\d.]+)\/(\d+)$/m.exec(out.trim().split('\n').pop() ?? '')?.slice(1).map(Number) ?? [];

describe.skipIf(!requireRoot() || (!ready && process.env.CI !== 'true'))('grading untrusted submissions', () => {
  it('refuses a compose file that mounts the host and joins its namespaces, before it runs', { timeout: 240_000 }, async () => {
    const reports = await mkdtemp(path.join(tmpdir(), 'grade-escape-'));
    const canary = '/tmp/isolab-canary-escape';
    try {
      // As a Gradescope autograder runs it (a fake /autograder tree), and a script reads --json.
      const autograder = path.join(reports, 'autograder');
      await mkdir(autograder);
      const r = await isolabStdout(['grade', fx('hostile/escape'), '--format', 'gradescope', '--json'],
        { ISOLAB_REPORTS: reports, ISOLAB_AUTOGRADER_ROOT: autograder });
      expect(r.code, r.stderr).toBe(0);
      const grade = JSON.parse(r.stdout); // stdout is the grade's JSON and nothing else
      expect(grade.refused.join('\n')).toMatch(/compose\/docker-compose\.yml:7: services\.client\.privileged/);
      expect(grade.refused.join('\n')).toMatch(/compose\/docker-compose\.yml:8: services\.client\.pid/);
      expect(grade.refused.join('\n')).toMatch(/compose\/docker-compose\.yml:10: services\.client\.volumes\[0\] binds a host path: \/ is outside the submission/);
      // hello/ and the multi-stage build are still graded: 2 + 1 + 1 + 3 of 11
      expect([grade.score, grade.possible]).toEqual([7, 11]);
      expect(await access(canary).then(() => 'written', () => 'absent')).toBe('absent');
      const gs = JSON.parse(await readFile(path.join(autograder, 'results', 'results.json'), 'utf8'));
      expect(gs).toEqual(JSON.parse(await readFile(path.join(reports, 'latest', 'gradescope.json'), 'utf8')));
      expect(gs.tests.find((t: { name: string }) => t.name.startsWith('compose.service-dns')).output).toMatch(/refused before running/);
      const res = JSON.parse(await readFile(path.join(reports, 'latest', 'results.json'), 'utf8'));
      expect(res.leaks).toEqual([]);
      // The same refusals and score from the lecture's assignment in the vocabulary.
      const v = await isolabStdout(['grade', fx('hostile/escape'), '--assignment', path.join(repo, 'fixtures/grading/lecture.parts.yaml'),
        '--json'], { ISOLAB_REPORTS: path.join(reports, 'vocabulary') });
      expect(v.code, v.stderr).toBe(0);
      const vg = JSON.parse(v.stdout);
      expect([vg.score, vg.possible]).toEqual([7, 11]);
      expect(vg.refused).toEqual(grade.refused);
      expect(await access(canary).then(() => 'written', () => 'absent')).toBe('absent');
    } finally {
      await rm(canary, { force: true });
      await rm(reports, { recursive: true, force: true });
    }
  });

  it('contains a fork bomb, a log flood, a server that never answers and a build that writes without end',
    { timeout: 300_000 }, async () => {
    const reports = await mkdtemp(path.join(tmpdir(), 'grade-contained-'));
    const sub = fx('hostile/contained');
    try {
      const t0 = Date.now();
      const r = await isolab(['grade', sub, '--assignment', path.join(sub, 'assignment.yaml'), '--rubric',
        path.join(sub, 'rubric.json')], { ISOLAB_REPORTS: reports });
      expect(r.code, r.out).toBe(0);
      expect(lastScore(r.out)).toEqual([0, 6]);
      const res = JSON.parse(await readFile(path.join(reports, 'latest', 'results.json'), 'utf8'));
      const why = (id: string) => res.claims.find((c: { id: string }) => c.id === id);
      // Held by the pids limit: the bomb either spins until the fixture's 10 s bound ends it, or
      // its shell gives up at the limit's EAGAIN ("can't fork") — whichever comes first.
      expect(why('image.layers').reason).toMatch(/did not finish within 10 s|can't fork: Resource temporarily unavailable/);
      // Stopped by what it wrote, long before the disk: the student's check fails, no host fault.
      expect(why('image.multistage-size').reason).toMatch(/the build wrote more than 300 MB \(\d+ MB seen\)/);
      expect(why('image.multistage-size').verdict).toBe('fail');
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
      const r = await isolab(['grade', fx('other/submission'), '--assignment', fx('other/assignment.yaml'), '--rubric',
        fx('other/rubric.json'), '--format', 'classroom'], { ISOLAB_REPORTS: reports });
      expect(r.code, r.out).toBe(0);
      expect(lastScore(r.out)).toEqual([8, 8]);
      const cls = JSON.parse(Buffer.from(await readFile(path.join(reports, 'latest', 'classroom.b64'), 'utf8'), 'base64').toString('utf8'));
      expect(cls).toMatchObject({ version: 1, status: 'pass', max_score: 8 });
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  });

  it("another assignment with the lecture's rubric: hints in that assignment's words, and what containment changed",
    { timeout: 150_000 }, async () => {
    const reports = await mkdtemp(path.join(tmpdir(), 'grade-other-hints-'));
    try {
      // The probe sends to the wrong port (loses the compose points); backend publishes 9000 on the host.
      const sub = path.join(reports, 'submission');
      await run('cp', ['-r', fx('other/submission'), sub], { timeoutMs: 10_000 });
      await writeFile(path.join(sub, 'app', 'compose.yaml'),
        'services:\n  backend:\n    build: .\n    init: true\n    ports: ["0.0.0.0:9000:9000"]\n  probe:\n    '
        + 'image: alpine\n    depends_on: [backend]\n    command: sh -c "sleep 2 && echo ping-from-probe | nc backend 9001"\n');
      const r = await isolabStdout(['grade', sub, '--assignment', fx('other/assignment.yaml'), '--json'], { ISOLAB_REPORTS: reports });
      const grade = JSON.parse(r.stdout);
      expect(grade.score, r.stderr).toBeLessThan(grade.possible);
      const lost = grade.items.find((i: { check: string }) => i.check === 'compose.service-dns › as written (sleep 3)');
      expect(lost.earned).toBe(0);
      expect(lost.hint).toBe('app/compose.yaml needs a service named backend and a service probe that sends '
        + 'ping-from-probe to backend:9000; the server prints what it receives.');
      for (const i of grade.items) expect(i.hint ?? '', i.check).not.toMatch(/server1|8081|hello\/|Hallo|\{/);
      expect(grade.contained).toEqual(["services.backend.ports removed: a graded project publishes nothing on the "
        + "host's ports (its services reach each other by name)"]);
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  });

  it("examples/gradescope/run_autograder in a fake /autograder tree: Gradescope's results.json, full marks",
    { timeout: 150_000 }, async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'autograder-'));
    try {
      // The zip's contents as setup.sh would leave them (isolab installed: its bin on npx's path).
      const source = path.join(root, 'source');
      await mkdir(path.join(source, 'node_modules', '.bin'), { recursive: true });
      await symlink(path.join(repo, 'bin/isolab.js'), path.join(source, 'node_modules', '.bin', 'isolab'));
      await copyFile(fx('lecture.assignment.yaml'), path.join(source, 'assignment.yaml'));
      await copyFile(fx('rubric.json'), path.join(source, 'rubric.json'));
      await run('cp', ['-r', fx('sample'), path.join(root, 'submission')], { timeoutMs: 10_000 });
      const r = await run(path.join(repo, 'examples/gradescope/run_autograder'), [], {
        check: false, timeoutMs: 140_000,
          env: { ISOLAB_AUTOGRADER_ROOT: root, ISOLAB_REPORTS: path.join(root, 'reports'), NO_COLOR: '1',
          ISOLAB_HOST: undefined, ISOLAB_RUN_DIR: undefined, ISOLAB_RUN_ID: undefined },
      });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      const gs = JSON.parse(await readFile(path.join(root, 'results', 'results.json'), 'utf8'));
      expect(gs.score).toBe(11);
      expect(gs.tests.map((t: { status: string }) => t.status)).toEqual(Array(7).fill('passed'));
    } finally {
      await rm(root, { recursive: true, force: true });
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
