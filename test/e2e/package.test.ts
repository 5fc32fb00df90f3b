// isolab as a course installs it: `npm pack`, install the tarball into a fresh folder, and run
// every command from there. Reports land in the caller's folder, never inside node_modules.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/core/exec.js';
import { currentHost } from '../../src/claims/current-host.js';
import { requireRoot } from '../controls/gate.js';
import { CLAIMS } from '../../src/claims/catalog.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const host = await currentHost();
const pkg = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string };
let dir: string;
let tarball: string;
const env = (): Record<string, string | undefined> =>
  ({ NO_COLOR: '1', ISOLAB_HOST: undefined, ISOLAB_RUN_DIR: undefined, ISOLAB_RUN_ID: undefined,
  ISOLAB_REPORTS: undefined, ISOLAB_SUBMISSION: undefined });
const npx = (args: string[], timeoutMs = 120_000) =>
  run('npx', ['--no-install', 'isolab', ...args], { cwd: dir, check: false, timeoutMs, env: env() });

describe.skipIf(!requireRoot())('the npm package', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pkg-course-'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repo, timeoutMs: 120_000 });
    const info = JSON.parse(packed.stdout)[0] as { filename: string; size: number; files: Array<{ path: string }> };
    tarball = path.join(dir, info.filename);
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'a-course', private: true, type: 'module' }));
    // The dependencies come from the npm cache that `npm ci` filled (the same versions the lockfile pins).
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '-D', tarball],
      { cwd: dir, timeoutMs: 300_000, env: env() });
    process.stdout.write(`isolab package: ${info.filename}, ${(info.size / 1024).toFixed(0)} kB packed, ${info.files.length} files\n`);
  }, 400_000);
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('packs what the CLI needs and none of the repository\'s tests or reports', async () => {
    const files = (await run('tar', ['tzf', tarball])).stdout.split('\n');
    for (const need of ['package/bin/isolab.js', 'package/bin/finish-interrupted.js', 'package/dist/src/cli/main.js',
      'package/src/netns/agent.mjs',
      'package/src/bench/ladder.ts', 'package/schemas/assignment.schema.json', 'package/src/provision/plan.ts',
      'package/fixtures/grading/lecture.assignment.yaml', 'package/suites/overlay/overlay.spec.ts',
      'package/suites/overlay/scenarios/lecture.yaml', 'package/schemas/scenarios.netns.schema.json',
      'package/examples/course-scenarios/image.yaml', 'package/vitest.config.ts']) expect(files).toContain(need);
    expect(files.filter((f) => /^package\/(test|reports|\.ci|\.github)\//.test(f))).toEqual([]);
  });

  it('runs compiled: no TypeScript loader installed with it', async () => {
    expect(await access(path.join(dir, 'node_modules/tsx')).then(() => 'tsx installed', () => 'absent')).toBe('absent');
    expect(await access(path.join(dir, 'node_modules/isolab/dist/vitest.config.js')).then(() => 'built', () => 'absent')).toBe('built');
    // `npm pack` builds dist/ for the tarball and removes it again: a checkout keeps running its sources.
    expect(await access(path.join(repo, 'dist')).then(() => 'left in the checkout', () => 'absent')).toBe('absent');
  });

  it('--version, doctor and run --list work from the installed package', async () => {
    expect((await npx(['--version'])).stdout.trim()).toBe(pkg.version);
    const d = await npx(['doctor', '--no-kvm']);
    expect(d.exitCode, d.stderr).toBe(0);
    expect((await npx(['run', '--list'])).stdout).toMatch(/^overlay\.union\s+overlay\s/m);
  });

  it('runs a suite, grades the sample and benches a rung: reports in the caller\'s folder', { timeout: 400_000 }, async () => {
    const r = await npx(['run', 'overlay'], 180_000);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    // Every overlay claim of the catalog, from the installed package's own scenario files.
    expect(r.stdout).toMatch(new RegExp(`claims: ${CLAIMS.filter((c) => c.suite === 'overlay').length} passed, 0 failed`));
    const res = JSON.parse(await readFile(path.join(dir, 'reports', 'latest', 'results.json'), 'utf8'));
    expect(res.run.version).toBe(pkg.version);
    if (host.docker && host.compose) {
      // The one grading of the sample as root in npm test (~40 s): full marks, in results and junit,
      // nothing left behind. (grade.test: broken copies; grade-untrusted: hostile ones, non-root.)
      const g = await npx(['grade', 'node_modules/isolab/fixtures/grading/sample'], 240_000);
      expect(g.exitCode, g.stdout + g.stderr).toBe(0);
      expect(g.stdout.trim().split('\n').pop()).toBe('score: 11/11');
      const graded = JSON.parse(await readFile(path.join(dir, 'reports', 'latest', 'results.json'), 'utf8'));
      expect(graded.grade).toMatchObject({ score: 11, possible: 11 });
      expect(graded.leaks).toEqual([]);
      expect(await readFile(path.join(dir, 'reports', 'latest', 'junit.xml'), 'utf8')).toMatch(/name="points" value="2\/2"/);
    }
    const b = await npx(['bench', '--quick', 'ladder', '--rungs', 'process'], 120_000);
    expect(b.exitCode, b.stdout + b.stderr).toBe(0);
    expect((await readdir(path.join(dir, 'reports'))).some((d) => d.endsWith('-bench'))).toBe(true);
    expect(await access(path.join(dir, 'node_modules/isolab/reports')).then(() => 'exists', () => 'absent')).toBe('absent');
  });

  it('npm publish --dry-run is clean', async () => {
    const p = await run('npm', ['publish', '--dry-run', '--json'],
      { cwd: repo, check: false, timeoutMs: 120_000, env: { NPM_CONFIG_DRY_RUN: 'true' } });
    expect(p.exitCode, p.stderr).toBe(0);
  });
});
