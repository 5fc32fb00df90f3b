import { describe, it, expect } from 'vitest';
import { readFile } from 'node:fs/promises';
import { builderTarget, stages } from '../../src/docker/dockerfile.js';

describe('Dockerfile stages', () => {
  it("finds the lecture's builder stage", async () => {
    expect(builderTarget(await readFile('fixtures/lecture/compose/Dockerfile', 'utf8'))).toBe('builder');
  });
  it('finds a builder by what the final stage copies from, whatever its name', async () => {
    expect(builderTarget(await readFile('fixtures/grading/sample/compose/Dockerfile', 'utf8'))).toBe('build');
    expect(builderTarget('FROM golang AS a\nFROM golang AS b\nRUN x\nFROM alpine\nCOPY --from=b /x /x\n')).toBe('b');
    expect(builderTarget('FROM golang\nRUN go build\nFROM alpine\nCOPY --from=0 /x /x\n')).toBe('0');
  });
  it('a single stage has no builder', () => {
    expect(builderTarget('FROM golang\nRUN go build server.go\nCMD ["./server"]\n')).toBeNull();
    expect(stages('# c\nFROM --platform=linux/amd64 alpine AS base\n')).toEqual([{ index: 0, from: 'alpine', name: 'base', copiesFrom: [] }]);
  });
});
