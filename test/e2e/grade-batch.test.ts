// isolab grade --batch: five students graded one at a time into grades.csv; killed half-way it
// resumes without regrading who is done; `isolab clean` takes what the killed student's run left.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentHost } from '../../src/claims/current-host.js';
import { parseCsv } from '../../src/grade/batch.js';
import { requireRoot } from '../controls/gate.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const host = await currentHost();

function isolab(args: string[],
  onOut?: (text: string, kill: () => void) => void): Promise<{ code: number | null; signal: string | null; out: string }> {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR', 'ISOLAB_RUN_ID', 'ISOLAB_SUBMISSION', 'ISOLAB_ASSIGNMENT']) delete e[k];
  return new Promise((resolve) => {
    // its own process group, so a SIGKILL takes the batch and the student it is grading
    const p = spawn(process.execPath, [path.join(repo, 'bin/isolab.js'), ...args], { env: e, cwd: repo, detached: true });
    let out = '';
    const kill = () => process.kill(-p.pid!, 'SIGKILL');
    const on = (d: Buffer) => {
      out += d;
      onOut?.(out, kill);
    };
    p.stdout.on('data', on);
    p.stderr.on('data', on);
    p.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

describe.skipIf(!requireRoot() || (!host.docker && process.env.CI !== 'true'))('isolab grade --batch', () => {
  it('grades five students, survives a SIGKILL half-way and resumes', { timeout: 240_000 }, async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'grade-batch-'));
    const cls = path.join(root, 'class');
    const out = path.join(root, 'out');
    try {
      const sample = path.join(repo, 'fixtures/grading/sample');
      for (const s of ['ada', 'bob', 'cy', 'dee']) await cp(sample, path.join(cls, s), { recursive: true });
      await writeFile(path.join(cls, 'bob/hello/hello.sh'), '#!/bin/sh\necho Hello\n');
      await cp(path.join(repo, 'fixtures/grading/hostile/escape'), path.join(cls, 'eve'), { recursive: true });
      await writeFile(path.join(cls, 'eve/hello/Dockerfile'),
        'FROM alpine\nRUN --network=host true\nADD hello.sh .\nCMD ["sh", "hello.sh"]\n');
      const rubric = path.join(root, 'rubric.json');
      await writeFile(rubric, JSON.stringify({ name: 'hello only', checks: [{ check: 'image.layers', points: 2, hint: 'print Hallo' }] }));
      const args = ['grade', cls, '--batch', '--rubric', rubric, '--out', out];
      // Killed while the third student is graded: two are in grades.csv by then.
      const first = await isolab(args, (text, kill) => {
        if (/\[3\/5\] \w+ … /.test(text)) kill();
      });
      expect(first.signal).toBe('SIGKILL');
      const partial = parseCsv(await readFile(path.join(out, 'grades.csv'), 'utf8'));
      expect(partial.length).toBeGreaterThanOrEqual(3); // header + at least 2
      const cleaned = await isolab(['clean']);
      expect(cleaned.code, cleaned.out).toBe(0);
      const second = await isolab(args);
      expect(second.code, second.out).toBe(0);
      expect(second.out).toMatch(new RegExp(`resuming — ${partial.length - 1} student\\(s\\) already`));
      const rows = parseCsv(await readFile(path.join(out, 'grades.csv'), 'utf8'));
      expect(rows[0]).toEqual(['student', 'image.layers', 'score', 'possible', 'status', 'note']);
      const by = Object.fromEntries(rows.slice(1).map((r) => [r[0], r]));
      expect(Object.keys(by).sort()).toEqual(['ada', 'bob', 'cy', 'dee', 'eve']);
      expect(rows.length).toBe(6);
      expect(by.ada!.slice(1, 4)).toEqual(['2', '2', '2']);
      expect(by.bob!.slice(1, 4)).toEqual(['0', '0', '2']);
      expect(by.eve![5]).toMatch(/refused: hello\/Dockerfile:2: RUN --network=host/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('isolab grade --init and --merge make their folders', () => {
  it('--init into a new nested folder; again without --force refuses; --merge --out a new folder', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'grade-init-'));
    try {
      const course = path.join(dir, 'a', 'b', 'course');
      const init = await isolab(['grade', '--init', course]);
      expect(init.code, init.out).toBe(0);
      expect(init.out).toContain(`wrote ${path.join(course, 'assignment.yaml')} (every kind of check`);
      expect(init.out).toContain(`${path.join(course, 'lecture.assignment.yaml')} and ${path.join(course, 'rubric.json')}`);
      const explained = await isolab(['grade', '--explain', path.join(course, 'assignment.yaml')]);
      expect(explained.code, explained.out).toBe(0);
      expect(explained.out).toMatch(/api\.state \(http: POST \/api\/v1\/status → 201, then GET \/api\/v1\/status → 200\)/);
      expect(await readFile(path.join(course, 'rubric.json'), 'utf8')).toMatch(/\{compose\.server\}/);
      const again = await isolab(['grade', '--init', course]);
      expect(again.code).toBe(2);
      expect(again.out).toMatch(/exists; not overwriting it \(remove it, pass another folder, or --force\)/);
      expect((await isolab(['grade', '--init', course, '--force'])).code).toBe(0);
      const head = 'student,image.layers,score,possible,status,note\n';
      await writeFile(path.join(dir, 's1.csv'), `${head}alice,2,2,2,graded,\n`);
      await writeFile(path.join(dir, 's2.csv'), `${head}bob,0,0,2,graded,\n`);
      const out = path.join(dir, 'merged', 'new');
      const merged = await isolab(['grade', '--merge', path.join(dir, 's1.csv'), path.join(dir, 's2.csv'), '--out', out]);
      expect(merged.code, merged.out).toBe(0);
      expect(parseCsv(await readFile(path.join(out, 'grades.csv'), 'utf8')).map((r) => r[0])).toEqual(['student', 'alice', 'bob']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
