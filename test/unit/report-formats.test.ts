// The formats course tools read after Classroom: CTRF (checked against the format's own schema,
// from its reference implementation), PrairieLearn's results, GitHub's job summary and annotations.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validate } from 'ctrf';
import { toCtrf } from '../../src/results/ctrf.js';
import { annotationLine, claimAnnotations, toGithub, workspacePath } from '../../src/results/github.js';
import { prairielearn, type Grade } from '../../src/grade/formats.js';
import { SCHEMA, summarize, type ClaimResult, type Results } from '../../src/types/results.js';

const claim = (id: string, verdict: ClaimResult['verdict'], extra: Partial<ClaimResult> = {}): ClaimResult =>
  ({ id, suite: id.split('.')[0]!, statement: `${id} holds`, verdict, evidence: {}, durationMs: 1200, ...extra });
const run = (claims: ClaimResult[], grade?: Grade): Results => ({
  schema: SCHEMA, run: { id: 'abc123', startedAt: '2026-12-06T10:00:00.000Z', finishedAt: '2026-12-06T10:01:00.000Z', argv: [] },
  host: { kernel: '6.1.0' }, claims, summary: summarize(claims), ...(grade ? { grade: grade as unknown as Record<string, unknown> } : {}),
});
const grade: Grade = { rubric: 'r', assignment: 'HTTP status', submission: 's', score: 2, possible: 5, items: [
  { check: 'image.layers', points: 2, earned: 2, verdict: 'pass', durationMs: 1000 },
  { check: 'compose.service-dns', points: 3, earned: 0, verdict: 'fail', hint: 'name it server1', why: 'no answer' },
  { check: 'image.base-size', points: 1, earned: 0, verdict: 'skip', why: 'not graded on this host: no qemu' },
] };

describe('CTRF', () => {
  it('a run: one test per scenario, valid against the CTRF schema; differs passes, error is other', () => {
    const r = run([claim('overlay.union', 'pass'), claim('cgroups.memory-limit', 'fail', { reason: 'not killed' }),
      claim('cgroups.docker-cpu-shares', 'differs', { scenarios: [
        { name: '20/80', verdict: 'differs', evidence: {}, durationMs: 900 },
        { name: 'equal', verdict: 'pass', evidence: {}, durationMs: 800 }] }),
      claim('compose.teardown', 'error', { reason: 'the engine stopped answering' }), claim('vm.hw-virt', 'skip')]);
    const c = toCtrf(r) as { results: { summary: Record<string, number>; tests: Array<Record<string, unknown>> } };
    expect(validate(c)).toMatchObject({ valid: true });
    expect(c.results.tests.map((t) => [t.name, t.status, t.rawStatus])).toEqual([
      ['overlay.union', 'passed', 'pass'], ['cgroups.memory-limit', 'failed', 'fail'],
      ['cgroups.docker-cpu-shares › 20/80', 'passed', 'differs'], ['cgroups.docker-cpu-shares › equal', 'passed', 'pass'],
      ['compose.teardown', 'other', 'error'], ['vm.hw-virt', 'skipped', 'skip']]);
    expect(c.results.summary).toMatchObject({ tests: 6, passed: 3, failed: 1, skipped: 1, other: 1, pending: 0 });
    expect(c.results.tests[1]!.message).toBe('not killed');
  });

  it('a grade: one test per rubric item, its points in extra; a lost check failed with its hint', () => {
    const c = toCtrf(run([claim('image.layers', 'pass')], grade)) as {
      results: { summary: { extra: Record<string, unknown> }; tests: Array<Record<string, unknown>> } };
    expect(validate(c)).toMatchObject({ valid: true });
    expect(c.results.tests.map((t) => [t.name, t.status, t.extra])).toEqual([
      ['image.layers', 'passed', { points: 2, earned: 2 }], ['compose.service-dns', 'failed', { points: 3, earned: 0 }],
      ['image.base-size', 'skipped', { points: 1, earned: 0 }]]);
    expect(c.results.tests[1]!.message).toBe('hint: name it server1\nno answer');
    expect(c.results.summary.extra).toMatchObject({ assignment: 'HTTP status', score: 2, possible: 5 });
  });

  it('the negative control: a report without its format marker or with an unknown status is refused', () => {
    const c = toCtrf(run([claim('overlay.union', 'pass')])) as { reportFormat?: string; results: { tests: Array<{ status: string }> } };
    expect(validate({ ...c, reportFormat: undefined }).valid).toBe(false);
    c.results.tests[0]!.status = 'differs';
    expect(validate(c).valid).toBe(false);
  });
});

describe('PrairieLearn', () => {
  it('score as a fraction of the points that count; tests with points and max_points', () => {
    const p = prairielearn(grade) as { gradable: boolean; score: number; tests: Array<Record<string, unknown>> };
    expect(p).toMatchObject({ gradable: true, score: 0.4, message: 'HTTP status: 2/5' });
    expect(p.tests.map((t) => [t.name, t.points, t.max_points])).toEqual([['image.layers', 2, 2], ['compose.service-dns', 0, 3]]);
    expect(p.tests[1]!.message).toBe('no answer\nhint: name it server1');
  });
  it('a grade the host failed under is not gradable: the attempt is not counted', () => {
    expect(prairielearn({ ...grade, incomplete: ['the Docker engine stopped answering'] })).toEqual({
      gradable: false, format_errors: ['not graded — the grading host failed: the Docker engine stopped answering'] });
  });
});

describe('GitHub Actions', () => {
  const env = { ...process.env };
  afterEach(() => {
    for (const k of ['GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'ISOLAB_OUTER_RUN'])
      if (env[k] === undefined) delete process.env[k]; else process.env[k] = env[k];
  });
  it('an annotation escapes its properties and message as workflow commands must', () => {
    expect(annotationLine({ title: 'image.layers: 0/2', message: 'hint: 50%\nwhy', file: 'a,b/Dockerfile', line: 3 }))
      .toBe('::error file=a%2Cb/Dockerfile,line=3,title=image.layers%3A 0/2::hint: 50%25%0Awhy');
    expect(workspacePath('/w/sub/hello/Dockerfile', '/w')).toBe('sub/hello/Dockerfile');
    expect(workspacePath('/elsewhere/x', '/w')).toBeUndefined(); // outside the workspace: no file
  });
  it('the report appended to the job summary and failed claims annotated; outside Actions, or nested, nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'test-unit-gh-'));
    try {
      const r = run([claim('overlay.union', 'pass'), claim('cgroups.memory-limit', 'fail', { reason: 'not killed' })]);
      let out = '';
      const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
      delete process.env.GITHUB_ACTIONS;
      delete process.env.GITHUB_STEP_SUMMARY;
      await toGithub(r, claimAnnotations(r), sink);
      expect(out).toBe('');
      process.env.GITHUB_ACTIONS = 'true';
      process.env.GITHUB_STEP_SUMMARY = path.join(dir, 'summary.md');
      // A run started inside another (a test's own run): the outer one writes, this one nothing.
      process.env.ISOLAB_OUTER_RUN = 'zzzzz1';
      await toGithub(r, claimAnnotations(r), sink);
      expect(out).toBe('');
      process.env.ISOLAB_OUTER_RUN = r.run.id;
      await toGithub(r, claimAnnotations(r), sink);
      expect(out).toBe('::error title=isolab cgroups.memory-limit::not killed\n');
      expect(await readFile(path.join(dir, 'summary.md'), 'utf8')).toMatch(/cgroups\.memory-limit/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
