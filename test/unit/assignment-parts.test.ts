// A part an assignment leaves out is not graded: `declared` lists the parts a course's file has.
import { describe, it, expect } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { loadAssignment, partOf } from '../../src/grade/assignment.js';
import { BIN } from '../../src/core/paths.js';

describe('assignment parts', () => {
  it("the lecture's declares all three; a course's only those it writes, with the lecture's values within them", async () => {
    expect(loadAssignment().declared).toEqual(['hello', 'compose', 'multistage']);
    const d = await mkdtemp(path.join(tmpdir(), 'test-unit-parts-'));
    try {
      await writeFile(path.join(d, 'a.yaml'), 'name: Lab 2\nhello:\n  dir: greet\n');
      const a = loadAssignment(path.join(d, 'a.yaml'));
      expect(a.declared).toEqual(['hello']);
      expect(a.hello).toMatchObject({ dir: 'greet', output: 'Hallo' });
      await writeFile(path.join(d, 'none.yaml'), 'name: nothing\nlimits: { memoryMb: 128 }\n');
      expect(() => loadAssignment(path.join(d, 'none.yaml'))).toThrow(/declares no part to grade: give at least one of hello, compose, multistage/);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
  it('a check belongs to the part whose claims it reads', () => {
    expect(partOf('compose.service-dns › as written (sleep 3)')).toBe('compose');
    expect(partOf('image.multistage-size')).toBe('multistage');
    expect(partOf('cgroups.move')).toBeUndefined();
  });

  it('`isolab grade --explain` says what is checked, for how many points, in the course\'s words; runs nothing', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'test-unit-explain-'));
    try {
      await writeFile(path.join(d, 'a.yaml'), 'name: Lab 2 — a greeting image\nhello:\n  dir: greet\n  output: Servus\n');
      const r = await execa(process.execPath, [BIN, 'grade', '--explain', path.join(d, 'a.yaml')], { reject: false });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Lab 2 — a greeting image — /);
      expect(r.stdout).toMatch(/hello — the submission's greet\/ \(Dockerfile, hello\.sh\): 4 points/);
      expect(r.stdout).toMatch(/2 {2}image\.layers \(partial credit\)\n {7}greet\/Dockerfile should start FROM .* must print Servus\./);
      expect(r.stdout).toMatch(/not graded \(the assignment leaves them out\): compose, multistage/);
      expect(r.stdout).toMatch(/in all 4 points\./);
      expect(r.stdout).not.toMatch(/server1|8081|Hallo/);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});
