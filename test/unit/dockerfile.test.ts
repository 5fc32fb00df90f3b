import { describe, it, expect } from 'vitest';
import { readFile } from 'node:fs/promises';
import { builderTarget, stages, withCacheScope } from '../../src/docker/dockerfile.js';
import { parseSteps } from '../../src/docker/build.js';

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
    expect(stages('# c\nFROM --platform=linux/amd64 alpine AS base\n')).toEqual([{ index: 0, from: 'alpine',
      name: 'base', copiesFrom: [] }]);
  });
});

describe('a run-scoped build cache', () => {
  it('puts the LABEL after every FROM (continued ones too), and nowhere else', () => {
    const text = 'ARG V=1\nFROM golang:alpine \\\n  AS build\nRUN go build\nfrom alpine\nCOPY --from=build /x /x\n';
    const scoped = withCacheScope(text, 'ab12cd');
    const label = (h: string) => `LABEL isolab.cache=ab12cd isolab.stage=${h}`;
    const [h1, h2] = [...scoped.matchAll(/isolab\.stage=([0-9a-f]{12})/g)].map((m) => m[1]!);
    expect(scoped).toBe(`ARG V=1\nFROM golang:alpine \\\n  AS build\n${label(h1!)}\nRUN go build\nfrom `
      + `alpine\n${label(h2!)}\nCOPY --from=build /x /x\n`);
  });
  it('tells stages of different text apart, and the same text alike (its cache is shared in the run)', () => {
    const stage = (t: string) => /isolab\.stage=(\w+)/.exec(withCacheScope(t, 'r1'))![1];
    expect(stage('FROM alpine\nADD hello.sh .\n')).not.toBe(stage('FROM alpine\nRUN echo x\nADD hello.sh .\n'));
    expect(stage('FROM alpine\nADD hello.sh .\n')).toBe(stage('FROM alpine\nADD hello.sh .\n'));
  });
  it("the LABEL is not one of the author's steps", () => {
    const out = 'Step 1/4 : FROM alpine\n ---> 0e5074db4f44\nStep 2/4 : LABEL isolab.cache=ab12cd\n ---> Running in '
      + '1\nStep 3/4 : ADD hello.sh .\n ---> 2\nStep 4/4 : CMD ["sh"]\n';
    expect(parseSteps(out).map((s) => `${s.n} ${s.instruction}`)).toEqual(['1 FROM alpine', '2 ADD hello.sh .', '3 CMD ["sh"]']);
  });
});
