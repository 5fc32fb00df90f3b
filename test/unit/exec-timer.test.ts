// Both helpers of the exec timer answer the same protocol: a batch of samples, each a duration,
// and a failing command is named.
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ExecTimer, type TimerMethod } from '../../src/bench/exec-timer.js';

// The perl helper needs Time::HiRes: Debian's perl has it, perl-base alone (the sid guest) does not.
const perl = spawnSync('perl', ['-MTime::HiRes', '-e', '1'], { timeout: 10_000 }).status === 0;
const methods: TimerMethod[] = [...(existsSync('/usr/bin/python3') ? ['python posix_spawn' as const] : []),
  ...(perl ? ['perl fork' as const] : [])];

describe.each(methods)('exec timer (%s)', (method) => {
  it('times a batch back to back, and names a command that fails', async () => {
    const t = new ExecTimer(method);
    try {
      expect(t.method).toBe(method);
      const ms = await t.batch([['/bin/true'], ['/bin/true'], ['sleep', '0.05']]);
      expect(ms).toHaveLength(3);
      expect(ms[0]).toBeGreaterThan(0);
      expect(ms[2]).toBeGreaterThanOrEqual(50);
      await expect(t.time(['/bin/false'])).rejects.toThrow(/`\/bin\/false` exited with status 1/);
    } finally {
      t.close();
    }
  });
});
