// `isolab clean` after a crash: what a killed run left (a namespace, a mount, a cgroup with a
// process in it, a container, a temp dir) is removed, and each removal is reported.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/core/exec.js';
import { clean } from '../../src/run/clean.js';
import { newRunId } from '../../src/core/names.js';
import { currentHost } from '../../src/claims/current-host.js';
import { requireRoot } from '../controls/gate.js';

const BIN = fileURLToPath(new URL('../../bin/isolab.js', import.meta.url));
const host = await currentHost();

describe.skipIf(!requireRoot())('isolab clean', () => {
  it("removes what a crashed run left, and only that run's", { timeout: 60_000 }, async () => {
    const id = newRunId();
    const other = newRunId();
    const p = `isolab-${id}`;
    // What a run killed with -9 would leave behind.
    await run('ip', ['netns', 'add', `${p}-lan`]);
    await run('ip', ['netns', 'add', `isolab-${other}-keep`]);
    const dir = await mkdtemp(path.join(tmpdir(), `${p}-scratch-`));
    await run('mount', ['-t', 'tmpfs', 'isolab-test', dir]);
    const cpu = host.cgroupControllers.cpu!.path;
    const group = path.join(cpu, p, 'red');
    await mkdir(group, { recursive: true });
    const sleeper = await run('sh',
      ['-c', `echo $$ > ${path.join(group, 'cgroup.procs')} 2>/dev/null; exec setsid sleep 60 >/dev/null 2>&1 < /dev/null & echo $!`]);
    await run('sh', ['-c', `echo ${sleeper.stdout.trim()} > ${path.join(group, 'cgroup.procs')}`], { check: false });
    if (host.docker) await run('docker', ['create', '--name', `${p}-left`, 'isolab/busybox:latest', 'true'], { timeoutMs: 30_000 });

    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const c = spawn(process.execPath, [BIN, 'clean', '--run', id], { env: { ...process.env, NO_COLOR: '1' } });
      let text = '';
      c.stdout.on('data', (d) => (text += d));
      c.stderr.on('data', (d) => (text += d));
      c.on('exit', (code) => resolve({ code, text }));
    });
    try {
      expect(out.code, out.text).toBe(0);
      expect(out.text).toMatch(new RegExp(`removed netns ${p}-lan`));
      expect(out.text).toMatch(new RegExp(`removed mount ${dir}`));
      expect(out.text).toMatch(new RegExp(`removed cgroup ${path.join(cpu, p)}`));
      expect((await run('ip', ['netns', 'list'])).stdout).not.toContain(`${p}-lan`);
      expect((await readdir(tmpdir())).filter((n) => n.startsWith(p))).toEqual([]);
      expect(await access(path.join(cpu, p)).then(() => 'exists', () => 'gone')).toBe('gone');
      if (host.docker) expect((await run('docker', ['ps', '-a', '--format', '{{.Names}}'])).stdout).not.toContain(`${p}-left`);
      // Another run's namespace is not this run's to remove.
      expect((await run('ip', ['netns', 'list'])).stdout).toContain(`isolab-${other}-keep`);
    } finally {
      // Whatever the command under test failed to remove, this test planted: remove it here.
      await clean(`${p}-`);
      await run('ip', ['netns', 'delete', `isolab-${other}-keep`], { check: false });
    }
  });

  it('refuses a malformed run id', async () => {
    const r = await run(process.execPath, [BIN, 'clean', '--run', '../etc'], { check: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--run takes a run id/);
  });
});
