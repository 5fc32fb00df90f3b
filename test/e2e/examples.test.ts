// The example assignments of examples/assignments/, graded as a course would grade them: every
// submission of each (a good one and flawed ones of the project's own) gets the score its
// expected.yaml says, loses exactly the checks named there — each with a hint — and leaves
// nothing behind. Two grades at a time, as a batch on a small grader would run them.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { currentHost } from '../../src/claims/current-host.js';
import { requireRoot } from '../controls/gate.js';
import { loadCourse } from '../../src/grade/course.js';
import { scriptHostProblem } from '../../src/grade/script/grade-script.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const examples = path.join(repo, 'examples/assignments');
const host = await currentHost();
const ready = !!host.docker && !!host.compose && !!host.images.busybox;

interface Graded { code: number | null; out: string; grade?: { score: number; possible: number; items: Array<{ check: string; earned: number;
  points: number; hint?: string }> } }

function grade(sub: string, assignment: string, reports: string): Promise<Graded> {
  const env: NodeJS.ProcessEnv = { ...process.env, ISOLAB_REPORTS: reports, NO_COLOR: '1' };
  for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR', 'ISOLAB_RUN_ID', 'ISOLAB_SUBMISSION']) delete env[k];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(repo, 'bin/isolab.js'), 'grade', sub, '--assignment', assignment, '--json'], { env, cwd: repo });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      let g: Graded['grade'];
      try { g = JSON.parse(out); } catch { /* the test says what was printed */ }
      resolve({ code, out: `${out}\n${err}`, grade: g });
    });
  });
}

/** Run fns two at a time. */
async function twoAtATime<T>(fns: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all([0, 1].map(async () => { while (next < fns.length) { const i = next++; out[i] = await fns[i]!(); } }));
  return out;
}

const names = (await readdir(examples, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name);

describe.skipIf(!requireRoot() || (!ready && process.env.CI !== 'true'))('the example assignments', () => {
  it.for(names)('%s: each submission gets its expected grade', { timeout: 400_000 }, async (name, ctx) => {
    const dir = path.join(examples, name);
    // A script part boots the trixie guest: graded where it is built (CI builds it after npm test, then grades these).
    const course = loadCourse(path.join(dir, 'assignment.yaml'));
    const noVm = course.parts.some((p) => p.script) ? await scriptHostProblem() : null;
    if (noVm) ctx.skip(noVm);
    const expected = parse(await readFile(path.join(dir, 'expected.yaml'), 'utf8')) as Record<string, { score: number; lost: string[] }>;
    const subs = (await readdir(path.join(dir, 'submissions'))).sort();
    expect(Object.keys(expected).sort()).toEqual(subs);
    const reports = await mkdtemp(path.join(tmpdir(), `test-example-${name}-`));
    try {
      const graded = await twoAtATime(subs.map((s) => () => grade(path.join(dir, 'submissions', s), path.join(dir, 'assignment.yaml'),
        path.join(reports, s))));
      for (const [i, s] of subs.entries()) {
        const r = graded[i]!;
        expect(r.grade, `${s}: ${r.out}`).toBeTruthy();
        const lost = r.grade!.items.filter((x) => x.earned < x.points);
        expect({ submission: s, score: r.grade!.score, lost: lost.map((x) => x.check).sort() }, r.out)
          .toEqual({ submission: s, score: expected[s]!.score, lost: [...expected[s]!.lost].sort() });
        for (const x of lost) expect(x.hint, `${s} ${x.check}`).toBeTruthy();
        expect(r.code, r.out).toBe(0);
        const res = JSON.parse(await readFile(path.join(reports, s, 'latest', 'results.json'), 'utf8'));
        expect(res.leaks, `${s}: leaks`).toEqual([]);
      }
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  });
});
