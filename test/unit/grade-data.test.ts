// Assignments as data (errors name file:line and field), the grader formats (Gradescope,
// GitHub Classroom's reporter shape), skipped checks out of the possible points, batch CSVs.
import { describe, it, expect } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAssignment } from '../../src/grade/assignment.js';
import { gradescope, classroom, classroomBase64, type Grade } from '../../src/grade/formats.js';
import { score, type Rubric } from '../../src/grade/rubric.js';
import { parseCsv, csvField, parseShard, mergeCsv } from '../../src/grade/batch.js';
import type { ClaimResult } from '../../src/types/results.js';

async function tmpFile(name: string, text: string) {
  const d = await mkdtemp(path.join(tmpdir(), 'grade-data-'));
  const f = path.join(d, name);
  await writeFile(f, text);
  return { f, done: () => rm(d, { recursive: true, force: true }) };
}

describe('assignment files', () => {
  it('the lecture\'s is valid; a course\'s own takes the lecture\'s values for what it leaves out', async () => {
    expect(loadAssignment().compose).toMatchObject({ server: 'server1', port: 8081, message: 'hallo' });
    const t = await tmpFile('a.yaml', 'name: other\ncompose:\n  dir: app\n  server: backend\n  client: probe\n  port: 9000\n');
    try {
      const a = loadAssignment(t.f);
      expect(a.compose).toMatchObject({ dir: 'app', server: 'backend', client: 'probe', port: 9000, message: 'hallo',
        file: 'docker-compose.yml' });
      expect(a.hello.output).toBe('Hallo');
    } finally {
      await t.done();
    }
  });

  it('names file:line and the field of each mistake', async () => {
    const t = await tmpFile('bad.yaml', 'name: x\ncompose:\n  port: 70000\n  sever: backend\nlimits:\n  memoryMb: "lots"\n');
    try {
      expect(() => loadAssignment(t.f)).toThrowError(/bad\.yaml:3: compose\.port: must be ≤ 65535, got 70000/);
      expect(() => loadAssignment(t.f)).toThrowError(/bad\.yaml:4: compose\.sever: unknown field "sever" \(known: dir, file, files, server/);
      expect(() => loadAssignment(t.f)).toThrowError(/bad\.yaml:6: limits\.memoryMb: must be an integer/);
    } finally {
      await t.done();
    }
  });

  it('a YAML syntax error gives its line', async () => {
    const t = await tmpFile('syntax.yaml', 'name: x\ncompose:\n  port: [1,\n');
    try {
      expect(() => loadAssignment(t.f)).toThrowError(/syntax\.yaml:\d+: /);
    } finally {
      await t.done();
    }
  });
});

const rubric: Rubric = { name: 'r', checks: [
  { check: 'image.layers', points: 2, hint: 'h1', partial: true },
  { check: 'compose.service-dns', points: 3, hint: 'h2' },
  { check: 'cgroups.move', points: 1, hint: 'h3' },
] };
const claim = (id: string, verdict: ClaimResult['verdict'], extra: Partial<ClaimResult> = {}): ClaimResult =>
  ({ id, suite: 's', statement: '', verdict, evidence: {}, durationMs: 1500, ...extra });

describe('scoring', () => {
  it('a refused part earns nothing with its reason; a check the host cannot run leaves the possible points', () => {
    const s = score(rubric, [claim('image.layers', 'pass'), claim('cgroups.move', 'skip', { reason: 'needs root' })],
      new Map([['compose.service-dns', 'refused: compose/docker-compose.yml:7: privileged']]));
    expect(s).toMatchObject({ earned: 2, possible: 5 });
    expect(s.items.map((i) => i.verdict)).toEqual(['pass', 'refused', 'skip']);
    expect(s.items[1]!.why).toMatch(/privileged/);
    expect(s.items[2]!.why).toBe('not graded on this host: needs root');
  });
});

describe('grader formats', () => {
  const g: Grade = { rubric: 'r', assignment: 'a', submission: 's', score: 2, possible: 5, items: [
    { check: 'image.layers', points: 2, earned: 2, verdict: 'pass', durationMs: 1000 },
    { check: 'compose.service-dns', points: 3, earned: 0, verdict: 'refused', hint: 'h2', why: 'refused: x' },
  ] };
  it('Gradescope: score, tests with name, score, max_score, status, output', () => {
    const j = gradescope(g) as { score: number; tests: Array<Record<string, unknown>> };
    expect(j.score).toBe(2);
    expect(j.tests).toEqual([
      { name: 'image.layers', score: 2, max_score: 2, status: 'passed', output: 'ok', execution_time: 1 },
      { name: 'compose.service-dns', score: 0, max_score: 3, status: 'failed', output: 'refused: x\nhint: h2' },
    ]);
  });
  it('Classroom: what the grading reporter decodes and sums (tests[].score, max_score, status)', () => {
    const decoded = JSON.parse(Buffer.from(classroomBase64(g), 'base64').toString('utf8'));
    expect(decoded).toEqual(classroom(g));
    expect(decoded).toMatchObject({ version: 1, status: 'fail', max_score: 5 });
    expect(decoded.tests.reduce((a: number, t: { score: number }) => a + t.score, 0)).toBe(2);
    expect(decoded.tests.map((t: { status: string }) => t.status)).toEqual(['pass', 'fail']);
  });
});

describe('batch CSV', () => {
  it('round-trips quoted fields', () => {
    const row = ['alice', 'a "b", c', 'line\nbreak'];
    expect(parseCsv(row.map(csvField).join(',') + '\n')).toEqual([row]);
  });
  it("keeps a submission's formula-looking text as text", () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@sum')).toBe("'@sum");
    expect(csvField(3.5)).toBe('3.5');
    expect(csvField('-2')).toBe('-2');
  });
  it('parses shards and refuses nonsense', () => {
    expect(parseShard('2/4')).toEqual({ i: 2, n: 4 });
    expect(() => parseShard('5/4')).toThrow(/1 ≤ i ≤ n/);
    expect(() => parseShard('x')).toThrow(/i\/n/);
  });
  it('merges shards one row per student, refusing other columns', async () => {
    const a = await tmpFile('a.csv', 'student,x,score\nbob,1,1\n');
    const b = await tmpFile('b.csv', 'student,x,score\nalice,0,0\n');
    const c = await tmpFile('c.csv', 'student,y,score\ncarol,0,0\n');
    const out = await tmpFile('out.csv', '');
    try {
      expect(await mergeCsv([a.f, b.f], out.f)).toBe(2);
      const { readFile } = await import('node:fs/promises');
      expect(parseCsv(await readFile(out.f, 'utf8')).map((r) => r[0])).toEqual(['student', 'alice', 'bob']);
      await expect(mergeCsv([a.f, c.f], out.f)).rejects.toThrow(/columns differ/);
    } finally {
      await Promise.all([a, b, c, out].map((t) => t.done()));
    }
  });
});

describe("GitHub Classroom's grading reporter reads the action's result", () => {
  // The reporter (github-education-resources/autograding-grading-reporter) takes each runner's
  // <ID>_RESULTS env var, base64 of JSON; it sums tests[].score against max_score for Classroom,
  // prints tests[].message for every test whose status is not 'pass', and fails the workflow on
  // results.status 'fail' or 'error'. These are its field names.
  const g: Grade = { rubric: 'r', assignment: 'a', submission: 's', score: 9, possible: 11,
    contained: ['services.server1.ports removed: …'], items: [
    { check: 'image.layers', points: 2, earned: 2, verdict: 'pass' },
    { check: 'compose.service-dns › as written (sleep 3)', points: 2, earned: 0, verdict: 'fail',
      hint: 'app/compose.yaml needs a service named backend', why: 'no reply' },
    { check: 'image.multistage-size', points: 7, earned: 7, verdict: 'pass' },
  ] };
  const decoded = JSON.parse(Buffer.from(classroomBase64(g), 'base64').toString('utf-8')) as {
    max_score: number; status: string; tests: Array<{ name: string; status: string; score: number; message: string }>;
  };
  it('points: the sum of tests[].score out of max_score', () => {
    expect(decoded.tests.reduce((a, t) => a + t.score, 0)).toBe(9);
    expect(decoded.max_score).toBe(11);
  });
  it("a failing check's message carries its hint (and what grading changed, beside a compose check)", () => {
    const failing = decoded.tests.filter((t) => t.status !== 'pass');
    expect(failing.map((t) => t.name)).toEqual(['compose.service-dns › as written (sleep 3)']);
    expect(failing[0]!.message).toBe('no reply\nhint: app/compose.yaml needs a service named backend\nchanged '
      + 'before running: services.server1.ports removed: …');
    expect(decoded.status).toBe('fail');
  });
});
