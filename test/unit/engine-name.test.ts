import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkEngine, engineName } from '../../src/core/engine-name.js';
import { gradeCli } from '../../src/cli/commands/grade.js';

describe('which engine a run drives', () => {
  const saved = process.env.ISOLAB_ENGINE;
  afterEach(() => {
    if (saved === undefined) delete process.env.ISOLAB_ENGINE;
    else process.env.ISOLAB_ENGINE = saved;
  });
  const withEnv = (v: string | undefined) => {
    if (v === undefined) delete process.env.ISOLAB_ENGINE;
    else process.env.ISOLAB_ENGINE = v;
    return engineName;
  };
  it('is docker when ISOLAB_ENGINE is unset or empty', () => expect([withEnv(undefined)(), withEnv('')()]).toEqual(['docker', 'docker']));
  it('is podman when asked', () => expect(withEnv('podman')()).toBe('podman'));
  it('names a misspelt ISOLAB_ENGINE instead of falling back to docker',
    () => expect(withEnv('podmn')).toThrow(/ISOLAB_ENGINE="podmn" names no engine/));
  it('refuses an unknown --engine with what would work',
    () => expect(() => checkEngine('lxc')).toThrow(/--engine docker or --engine podman/));
  it('grading refuses podman with why (its contained compose project failed there), and a misspelt engine', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      withEnv('podman');
      expect(await gradeCli('fixtures/grading/sample', {})).toBe(2);
      withEnv('podmn');
      expect(await gradeCli('fixtures/grading/sample', {})).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/grading runs under docker only[\s\S]*ISOLAB_ENGINE="podmn"/);
    } finally {
      err.mockRestore();
    }
  });
});
