// A part an assignment leaves out is not graded: `declared` lists the parts a course's file has.
import { describe, it, expect } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAssignment, partOf } from '../../src/grade/assignment.js';

describe('assignment parts', () => {
  it("the lecture's declares all three; a course's only those it writes, with the lecture's values within them", async () => {
    expect(loadAssignment().declared).toEqual(['hello', 'compose', 'multistage']);
    const d = await mkdtemp(path.join(tmpdir(), 'isolab-unit-parts-'));
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
});
