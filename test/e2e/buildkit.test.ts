// The BuildKit path for real where this host can: GitHub's runners build with BuildKit, this
// machine's default client uses the legacy builder, but a client with BuildKit built in (or a
// buildx plugin) can be found on PATH. The build-related claims then run through it.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { access, constants, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/core/exec.js';
import { resourceName } from '../../src/core/names.js';
import { requireRoot } from '../controls/gate.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** A docker client that builds with BuildKit: one with buildx, or one with it built in. */
async function buildkitClient(): Promise<string | null> {
  const dirs = [...new Set((process.env.PATH ?? '').split(':'))];
  for (const dir of dirs) {
    const bin = path.join(dir, 'docker');
    if (!(await access(bin, constants.X_OK).then(() => true, () => false))) continue;
    if ((await run(bin, ['buildx', 'version'], { check: false, timeoutMs: 10_000 })).exitCode === 0) return bin;
    const tag = `${resourceName('bkprobe')}:latest`;
    const r = await run(bin, ['build', '-q', '-t', tag, '-'],
      { input: 'FROM scratch\nLABEL isolab.probe=buildkit\n', env: { DOCKER_BUILDKIT: '1' }, check: false, timeoutMs: 30_000 });
    await run(bin, ['rmi', '-f', tag], { check: false, timeoutMs: 15_000 });
    if (r.exitCode === 0) return bin;
  }
  return null;
}

const client = process.getuid?.() === 0 ? await buildkitClient() : null;

describe.skipIf(!requireRoot() || !client)('the image claims under BuildKit', () => {
  it('layers, cache hit and invalidation, multi-stage hold with BuildKit too', { timeout: 180_000 }, async () => {
    const reports = await mkdtemp(path.join(tmpdir(), 'test-bk-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(client!)}:${process.env.PATH}`,
      DOCKER_BUILDKIT: '1', ISOLAB_REPORTS: reports, NO_COLOR: '1' };
    for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR', 'ISOLAB_RUN_ID']) delete env[k];
    const claims = ['image.layers', 'image.cache-hit', 'image.cache-invalidation', 'image.multistage-size'];
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const p = spawn(process.execPath,
        [path.join(repo, 'bin/isolab.js'), 'run', ...claims.flatMap((c) => ['--claim', c])], { env, cwd: repo });
      let text = '';
      p.stdout.on('data', (d) => (text += d));
      p.stderr.on('data', (d) => (text += d));
      p.on('exit', (code) => resolve({ code, text }));
    });
    try {
      expect(out.code, out.text.slice(-3000)).toBe(0);
      const res = JSON.parse(await readFile(path.join(reports, 'latest', 'results.json'), 'utf8'));
      expect(res.host.builder).toBe('buildkit');
      expect(res.claims.map((c: { id: string; verdict: string }) => [c.id, c.verdict])).toEqual(claims.map((c) => [c, 'pass']));
      expect(res.leaks).toEqual([]);
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  });
});
