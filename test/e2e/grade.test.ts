// isolab grade: partial marks with hints for a broken copy of the sample, and nothing left
// behind. The sample's full marks as root are graded once, from the installed package
// (test/e2e/package.test.ts); as a student without root in grade-untrusted.test.ts.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentHost } from '../../src/claims/current-host.js';
import { requireRoot } from '../controls/gate.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const host = await currentHost();
const ready = !!host.docker && !!host.compose && (!!host.images.go || host.registry);

function grade(dir: string, reports: string, args: string[] = []): Promise<{ code: number | null; out: string; stdout: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ISOLAB_REPORTS: reports, NO_COLOR: '1' };
  for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR', 'ISOLAB_RUN_ID', 'ISOLAB_SUBMISSION']) delete env[k];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(repo, 'bin/isolab.js'), 'grade', dir, ...args], { env, cwd: repo });
    let out = '';
    let stdout = '';
    p.stdout.on('data', (d) => { out += d; stdout += d; });
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => resolve({ code, out, stdout }));
  });
}

describe.skipIf(!requireRoot() || (!ready && process.env.CI !== 'true'))('isolab grade', () => {
  it('gives a broken copy partial marks with hints; the lecture\'s assignment in the vocabulary gives the same', { timeout: 300_000 }, async () => {
    const reports = await mkdtemp(path.join(tmpdir(), 'test-grade-'));
    const sub = await mkdtemp(path.join(tmpdir(), 'test-submission-'));
    try {
      await cp(path.join(repo, 'fixtures/grading/sample'), sub, { recursive: true });
      await writeFile(path.join(sub, 'hello/hello.sh'), '#!/bin/sh\necho "Hello"\n');
      await rm(path.join(sub, 'compose/server.go'));
      const r = await grade(sub, reports);
      expect(r.code, r.out).toBe(0);
      const last = r.out.trim().split('\n').pop()!;
      const [, earned, possible] = /^score: ([\d.]+)\/(\d+)$/.exec(last) ?? [];
      expect(Number(possible)).toBe(11);
      expect(Number(earned)).toBeGreaterThan(0);
      expect(Number(earned)).toBeLessThan(11);
      expect(r.out).toMatch(/hint: hello\/Dockerfile should start FROM a small base, ADD hello.sh in one step and run it: the image must print Hallo\./);
      expect(r.out).toMatch(/missing "server.go"/);
      const res = JSON.parse(await readFile(path.join(reports, 'latest', 'results.json'), 'utf8'));
      expect(res.leaks).toEqual([]);
      // The lecture's assignment in the vocabulary (claim checks) grades the same copy the same, check by check.
      const same = await grade(sub, path.join(reports, 'vocabulary'), ['--assignment', path.join(repo, 'fixtures/grading/lecture.parts.yaml'),
        '--json']);
      expect(same.code, same.out).toBe(0);
      const legacy = res.grade.items as Array<{ check: string; earned: number }>;
      const vocab = JSON.parse(same.stdout) as { score: number;
        items: Array<{ check: string; earned: number }> };
      const ID: Record<string, string> = { 'image.layers': 'hello.layers', 'image.cache-hit': 'hello.cache-hit', 'image.lifecycle':
        'hello.lifecycle', 'image.multistage-size': 'multistage.size', 'compose.service-dns › as written (sleep 3)': 'compose.service-dns',
        'compose.service-dns › with a readiness wait instead of sleep 3': 'compose.readiness', 'compose.teardown › the lecture\'s project':
        'compose.teardown' };
      expect(vocab.items.map((i) => [i.check, i.earned])).toEqual(legacy.map((i) => [ID[i.check], i.earned]));
      expect(vocab.score).toBe(Number(earned));
    } finally {
      await rm(reports, { recursive: true, force: true });
      await rm(sub, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!requireRoot() || (!ready && process.env.CI !== 'true'))('an assignment that declares one part', () => {
  it('grades that part alone, under its own name; a rubric scoring a part it leaves out is refused', { timeout: 150_000 },
    async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'test-one-part-'));
    try {
      await writeFile(path.join(work, 'assignment.yaml'), 'name: Lab 2 — a greeting image\nhello:\n  dir: hello\n');
      const r = await grade(path.join(repo, 'fixtures/grading/sample'), work, ['--assignment', path.join(work, 'assignment.yaml')]);
      expect(r.code, r.out).toBe(0);
      expect(r.out.trim().split('\n').pop()).toBe('score: 4/4'); // image.layers 2, cache-hit 1, lifecycle 1
      expect(r.out).toMatch(/^Lab 2 — a greeting image — /m);
      expect(r.out).not.toMatch(/Containers and VMs|compose\.|multistage|server1|8081/);
      const res = JSON.parse(await readFile(path.join(work, 'latest', 'results.json'), 'utf8'));
      expect(res.grade).toMatchObject({ assignment: 'Lab 2 — a greeting image', parts: ['hello'], possible: 4 });
      expect(res.claims.map((c: { id: string }) => c.id).sort()).toEqual(['image.cache-hit', 'image.layers', 'image.lifecycle']);
      expect(res.leaks).toEqual([]);
      // The negative control: the lecture's rubric given as the course's own scores compose and
      // multistage, which this assignment leaves out — a mistake of the course's, named, nothing run.
      const refused = await grade(path.join(repo, 'fixtures/grading/sample'), work,
        ['--assignment', path.join(work, 'assignment.yaml'), '--rubric', path.join(repo, 'fixtures/grading/rubric.json')]);
      expect(refused.code, refused.out).toBe(2);
      expect(refused.out).toMatch(/scores image\.multistage-size \(part multistage\), .*which .*assignment\.yaml does not declare/);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!requireRoot() || (!ready && process.env.CI !== 'true'))('the composite action', () => {
  it('runs its Grade step as GitHub does: score, CTRF and the retired Classroom result in GITHUB_OUTPUT, the job summary, '
    + 'annotations', { timeout: 150_000 }, async () => {
    const { parse } = await import('yaml');
    const { chmod, mkdir } = await import('node:fs/promises');
    const action = parse(await readFile(path.join(repo, 'action.yml'),
      'utf8')) as { runs: { steps: Array<{ id?: string; run?: string; env?: Record<string, string> }> } };
    const step = action.runs.steps.find((s) => s.id === 'grade')!;
    const work = await mkdtemp(path.join(tmpdir(), 'test-action-'));
    try {
      // The runner has sudo; as root here a stand-in runs the command as it is.
      await mkdir(path.join(work, 'bin'));
      await writeFile(path.join(work, 'bin/sudo'), '#!/bin/sh\n[ "$1" = "-E" ] && shift\nexec "$@"\n');
      await chmod(path.join(work, 'bin/sudo'), 0o755);
      const out = path.join(work, 'github-output');
      await writeFile(out, '');
      // A broken copy (as above): the step's plumbing — score and Classroom result — is what this
      // checks; partial marks grade in seconds where full marks (the first test) take ~40 s.
      const sub = path.join(work, 'submission');
      await cp(path.join(repo, 'fixtures/grading/sample'), sub, { recursive: true });
      await writeFile(path.join(sub, 'hello/hello.sh'), '#!/bin/sh\necho "Hello"\n');
      await rm(path.join(sub, 'compose/server.go'));
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(work, 'bin')}:${process.env.PATH}`,
        GITHUB_ACTION_PATH: repo, GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: path.join(work, 'summary.md'),
        GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: work,
        SUBMISSION: 'submission', RUBRIC: '', ASSIGNMENT: '', NO_COLOR: '1' };
      // A GitHub step of its own, not a run inside this test run (which would leave the summary to it).
      for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR', 'ISOLAB_RUN_ID', 'ISOLAB_SUBMISSION', 'ISOLAB_REPORTS', 'ISOLAB_OUTER_RUN'])
        delete env[k];
      const r = await new Promise<{ code: number | null; text: string }>((resolve) => {
        const p = spawn('bash', ['-e', '-c', step.run!], { cwd: work, env });
        let text = '';
        p.stdout.on('data', (d) => (text += d));
        p.stderr.on('data', (d) => (text += d));
        p.on('exit', (code) => resolve({ code, text }));
      });
      expect(r.code, r.text.slice(-2000)).toBe(0);
      const outputs = Object.fromEntries((await readFile(out, 'utf8')).trim().split('\n').map((l) =>
        [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      const result = JSON.parse(Buffer.from(outputs.result!, 'base64').toString('utf8'));
      const sum = result.tests.reduce((a: number, t: { score: number }) => a + t.score, 0);
      expect(result).toMatchObject({ version: 1, status: 'fail', max_score: 11 });
      expect(sum).toBeGreaterThan(0);
      expect(sum).toBeLessThan(11);
      expect(outputs.score).toBe(`${sum}/11`);
      // What replaced Classroom: the grade's CTRF report, the job summary, annotations on the files.
      const { validate } = await import('ctrf');
      const ctrf = JSON.parse(await readFile(outputs.ctrf!, 'utf8'));
      expect(validate(ctrf)).toMatchObject({ valid: true });
      expect(ctrf.results.summary.extra).toMatchObject({ possible: 11 });
      expect(await readFile(path.join(work, 'summary.md'), 'utf8')).toMatch(/image\.layers/);
      expect(r.text).toMatch(/^::error file=submission\/hello\/Dockerfile,title=image\.layers%3A [\d.]+\/2::hint: /m);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
