// A run interrupted with SIGINT in the middle of a check (an overlay mounted) leaves nothing
// behind, and still writes its results with the leak check's verdict.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newRunId } from '../../src/core/names.js';
import { requireRoot } from '../controls/gate.js';

const BIN = fileURLToPath(new URL('../../bin/isolab.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!requireRoot())('SIGINT in the middle of the overlay suite', () => {
  it('undoes the mount, the temp dirs, and reports a clean leak check', { timeout: 90_000 }, async () => {
    const reports = await mkdtemp(path.join(tmpdir(), 'sigint-reports-'));
    const id = newRunId();
    const env: NodeJS.ProcessEnv = { ...process.env, ISOLAB_RUN_ID: id, ISOLAB_REPORTS: reports, ISOLAB_HOLD_MS: '20000', CI: 'false' };
    delete env.ISOLAB_HOST;
    delete env.ISOLAB_RUN_DIR;
    const child = spawn(process.execPath, [BIN, 'run', '--claim', 'overlay.whiteout'],
      { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const ourMounts = async () => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(`isolab-${id}`));
    let mounted: string[] = [];
    // The whiteout check's own overlay (its scratch dir is isolab-<run>-whiteout-…).
    const checkMounted = () => mounted.some((l) => l.includes(`isolab-${id}-whiteout-`) && l.includes(' - overlay '));
    for (let i = 0; i < 300 && !checkMounted(); i++) {
      await sleep(100);
      mounted = await ourMounts();
    }
    expect(checkMounted(), `the check never mounted its overlay:\n${out}`).toBe(true);
    process.kill(-child.pid!, 'SIGINT');
    await Promise.race([exited, sleep(60_000)]);
    expect(await ourMounts()).toEqual([]);
    expect((await readdir(tmpdir())).filter((n) => n.startsWith(`isolab-${id}`))).toEqual([]);
    const results = JSON.parse(await readFile(path.join(reports, 'latest', 'results.json'), 'utf8'));
    expect(results.run.id).toBe(id);
    expect(results.leaks).toEqual([]);
    expect(results.errors.join('\n')).toMatch(/interrupted/);
    await rm(reports, { recursive: true, force: true });
  });
});
