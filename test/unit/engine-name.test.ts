import { afterEach, describe, expect, it } from 'vitest';
import { checkEngine, engineName } from '../../src/core/engine.js';

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
  it('names a misspelt ISOLAB_ENGINE instead of falling back to docker', () => expect(withEnv('podmn')).toThrow(/ISOLAB_ENGINE="podmn" names no engine/));
  it('refuses an unknown --engine with what would work', () => expect(() => checkEngine('lxc')).toThrow(/--engine docker or --engine podman/));
});
