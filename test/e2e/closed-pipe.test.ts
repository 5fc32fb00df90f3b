// A reader that stops early (`isolab provision | head -1`): the command still finishes its work and
// its cleanup. Before, the first write after the pipe closed threw EPIPE and the process died with
// its scratch dir left in $TMPDIR.
import { describe, it, expect } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/core/exec.js';
import { requireRoot } from '../controls/gate.js';

const BIN = fileURLToPath(new URL('../../bin/isolab.js', import.meta.url));

describe.skipIf(!requireRoot())('output into a pipe that closes early', () => {
  it('isolab provision | head -1 exits 0 and leaves nothing in its TMPDIR', { timeout: 180_000 }, async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'test-test-pipe-'));
    try {
      const r = await run('bash',
        ['-c', `"${process.execPath}" "${BIN}" provision --no-go --no-vm | head -1; echo "rc=\${PIPESTATUS[0]}"`],
        { env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' }, timeoutMs: 170_000, check: false });
      expect(r.stdout.trim().split('\n')[0]).toMatch(/^provision: /);
      expect({ rc: /rc=(\d+)/.exec(r.stdout)?.[1], stderr: r.stderr.trim().slice(-300) }).toEqual({ rc: '0', stderr: '' });
      // tsx keeps its compile cache there (tsx-0); isolab's own scratch is isolab-*.
      expect((await readdir(tmp)).filter((f) => f.startsWith('isolab'))).toEqual([]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
