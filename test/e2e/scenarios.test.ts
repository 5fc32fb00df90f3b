// A course's own scenario files, written outside the repository: `isolab run --scenarios <dir>`
// runs them beside the suites' own, results say which file each came from; a malformed folder
// is refused with file:line before anything is created.
import { describe, it, expect, afterAll } from 'vitest';
import { cp, mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/core/exec.js';
import { newRunId } from '../../src/core/names.js';
import { currentHost } from '../../src/claims/current-host.js';
import { requireRoot } from '../controls/gate.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const host = await currentHost();
const made: string[] = [];
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

async function isolab(args: string[]) {
  const id = newRunId();
  const reports = await mkdtemp(path.join(tmpdir(), `scen-e2e-${id}-`));
  made.push(reports);
  const env = { ...process.env, NO_COLOR: '1', ISOLAB_RUN_ID: id, ISOLAB_REPORTS: reports, ISOLAB_HOST: undefined,
    ISOLAB_RUN_DIR: undefined, ISOLAB_SCENARIOS: undefined };
  const r = await run(process.execPath, [path.join(repo, 'bin/isolab.js'), 'run', ...args],
    { env, cwd: repo, check: false, timeoutMs: 600_000 });
  return { ...r, reports };
}

describe.skipIf(!requireRoot())('a course\'s scenario files', () => {
  it.skipIf(!host.docker)('run beside the built-in ones, and the results name their files', { timeout: 600_000 }, async () => {
    const course = await mkdtemp(path.join(tmpdir(), 'test-course-'));
    made.push(course);
    await cp(path.join(repo, 'examples/course-scenarios'), course, { recursive: true });
    const claims = ['overlay.copy-up', 'cgroups.cpu-weight-split', 'netns.veth', 'image.layers'];
    const r = await isolab(['--scenarios', course, ...claims.flatMap((c) => ['--claim', c])]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const results = JSON.parse(await readFile(path.join(r.reports, 'latest', 'results.json'), 'utf8'));
    const scen = results.claims.flatMap((c: { id: string;
      scenarios?: Array<{ name: string; source?: string; verdict: string }> }) => (c.scenarios ?? []).map((s) => ({ id: c.id, ...s })));
    const mine = scen.filter((s: { source?: string }) => s.source?.startsWith(course));
    expect(mine.map((s: { id: string }) => s.id).sort()).toEqual([...claims].sort());
    for (const s of mine) expect(s.verdict, `${s.id} › ${s.name}`).toBe('pass');
    // Beside the suite's own: the lecture's copy-up came from its file too.
    expect(scen.some((s: { id: string; source?: string }) =>
      s.id === 'overlay.copy-up' && /suites\/overlay\/scenarios\/lecture\.yaml:\d+$/.test(s.source ?? ''))).toBe(true);
  });

  it('a malformed folder: every problem with file:line, exit 2, nothing created', async () => {
    const course = await mkdtemp(path.join(tmpdir(), 'test-badcourse-'));
    made.push(course);
    await writeFile(path.join(course, 'a.yaml'),
      'kind: overlay\nscenarios:\n  - claim: overlay.union\n    name: x\n    lowers: [{}]\n    upper: {}\n    '
      + 'expect: { merged: { colour: red } }\n');
    await writeFile(path.join(course, 'b.yaml'),
      'kind: netns\nscenarios:\n  - claim: netns.teleport\n    name: y\n    topology: { hosts: [a], links: [] '
      + '}\n    expect: { reach: [{ from: a, to: 10.0.0.1, port: 1 }] }\n    control: {}\n');
    const before = (await run('ip', ['netns', 'list'])).stdout;
    const r = await isolab(['--scenarios', course]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/a\.yaml:7: scenarios\[0\]\.expect\.merged\.colour: unknown field "colour"/);
    expect(r.stderr).toMatch(/b\.yaml:3: scenarios\[0\]\.claim: unknown claim id "netns\.teleport"/);
    expect((await run('ip', ['netns', 'list'])).stdout).toBe(before);
    expect(await readdir(r.reports)).toEqual([]);
  });
});
