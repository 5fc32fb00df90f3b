import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { run, start, CommandError, MissingToolError } from '../../src/core/exec.js';

// Running, not a zombie waiting for its (re)parent to reap it.
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('run', () => {
  it('returns stdout, exit code and duration', async () => {
    const r = await run('sh', ['-c', 'echo hi; echo err >&2']);
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toBe('err\n');
    expect(r.exitCode).toBe(0);
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it('passes arguments as an array, never through a shell', async () => {
    const r = await run('printf', ['%s|', 'a b', '$(echo no)', ';']);
    expect(r.stdout).toBe('a b|$(echo no)|;|');
  });

  it('names the command, exit code and stderr on failure', async () => {
    const e = await run('sh', ['-c', 'echo boom >&2; exit 3']).catch((x) => x);
    expect(e).toBeInstanceOf(CommandError);
    expect(e.message).toContain("sh -c 'echo boom >&2; exit 3'");
    expect(e.message).toContain('exited with code 3');
    expect(e.message).toContain('boom');
  });

  it('a timeout kills the whole process group, grandchildren included', async () => {
    // The grandchild holds stdout open; without a group kill the call would hang on the pipe.
    const r = await run('sh', ['-c', 'sleep 30 & echo $!; wait'], { timeoutMs: 300, check: false });
    expect(r.timedOut).toBe(true);
    expect(r.durationMs).toBeLessThan(5000);
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(grandchild)).toBe(false);
  });

  it("background members of the call's group end with it", async () => {
    const r = await run('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!']);
    const bg = Number(r.stdout.trim());
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(bg)).toBe(false);
  });

  it('a missing program is a clear error, not a crash', async () => {
    await expect(run('isolab-no-such-tool', [])).rejects.toBeInstanceOf(MissingToolError);
  });
});

describe('start', () => {
  it('stop() ends the process group', async () => {
    const b = start('sh', ['-c', 'sleep 30 & sleep 30']);
    expect(alive(b.pid)).toBe(true);
    await b.stop(200);
    expect(alive(b.pid)).toBe(false);
  });
});
