import { describe, it, expect } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRubric, fillHint, score, type Rubric } from '../../src/grade/rubric.js';
import { loadAssignment } from '../../src/grade/assignment.js';
import { DataFileError } from '../../src/core/data-file.js';
import type { ClaimResult } from '../../src/types/results.js';

const rubric: Rubric = {
  name: 'r',
  checks: [
    { check: 'image.layers', points: 2, hint: 'h1', partial: true },
    { check: 'compose.service-dns › as written (sleep 3)', points: 2, hint: 'h2' },
    { check: 'compose.teardown', points: 1, hint: 'h3' },
  ],
};
const claim = (id: string, verdict: ClaimResult['verdict'], extra: Partial<ClaimResult> = {}): ClaimResult =>
  ({ id, suite: 'compose', statement: '', verdict, evidence: {}, durationMs: 1, ...extra });

describe('rubric', () => {
  it('names each wrong field, with its line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rubric-'));
    try {
      const file = path.join(dir, 'r.json');
      await writeFile(file, '{\n  "name": "",\n  "checks": [\n    { "check": "image.nope", "points": 0,\n      '
        + '"hint": "see {compose.sever} on {compose.port}" }\n  ]\n}\n');
      const e = await loadRubric(file).catch((x) => x as DataFileError);
      expect(e).toBeInstanceOf(DataFileError);
      expect((e as DataFileError).problems).toEqual([
        `${file}:2: name: must not be empty`,
        `${file}:4: checks[0].points: must be > 0, got 0`,
        `${file}:4: checks[0].check: unknown claim "image.nope" (the ids: isolab run --list)`,
        `${file}:5: checks[0].hint: unknown placeholder {compose.sever}: the assignment's fields are hello.*, `
          + `compose.*, multistage.*, limits.* (schemas/assignment.schema.json)`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it("fills a hint from the assignment the submission is graded against", async () => {
    const other = loadAssignment(fileURLToPath(new URL('../../fixtures/grading/other/assignment.yaml', import.meta.url)));
    const def = await loadRubric(fileURLToPath(new URL('../../fixtures/grading/rubric.json', import.meta.url)));
    const dns = def.checks.find((c) => c.check.startsWith('compose.service-dns › as written'))!.hint;
    expect(fillHint(dns, loadAssignment())).toBe('compose/docker-compose.yml needs a service named server1 and a '
      + 'service client that sends hallo to server1:8081; the server prints what it receives.');
    expect(fillHint(dns, other)).toBe('app/compose.yaml needs a service named backend and a service probe that '
      + 'sends ping-from-probe to backend:9000; the server prints what it receives.');
    expect(fillHint(def.checks[0]!.hint, other)).toMatch(/^\.\/Dockerfile .* ADD greet.sh .* print Servus\.$/);
    for (const c of def.checks) expect(fillHint(c.hint, other), c.check).not.toMatch(/server1|8081|hello\/|Hallo|\{/);
  });
  it('scores pass, partial credit, scenarios, and checks that did not run', () => {
    const s = score(rubric, [
      claim('image.layers', 'fail',
        { reason: 'x', checks: [{ ok: true, what: 'a' }, { ok: true, what: 'b' }, { ok: true, what: 'c' }, { ok: false, what: 'd' }] }),
      claim('compose.service-dns', 'fail',
        { scenarios: [{ name: 'as written (sleep 3)', verdict: 'pass', durationMs: 1 },
        { name: 'other', verdict: 'fail', durationMs: 1 }] }),
    ]);
    expect(s.items.map((i) => [i.check, i.earned, i.verdict])).toEqual([
      ['image.layers', 1.5, 'fail'],
      ['compose.service-dns › as written (sleep 3)', 2, 'pass'],
      ['compose.teardown', 0, 'not run'],
    ]);
    expect(s.items[0]!.hint).toBe('h1');
    expect(s.items[1]!.hint).toBeUndefined();
    expect([s.earned, s.possible]).toEqual([3.5, 5]);
  });
});
