import { describe, it, expect } from 'vitest';
import { validateScenario, type OverlayScenario } from '../../src/overlay/scenario.js';
import { overlayOptions } from '../../src/overlay/mount.js';
import { scenariosOf } from '../../src/scenarios/files.js';

describe('overlay scenario format', () => {
  it('every scenario in the suite\'s files is valid', async () => {
    const all = await scenariosOf<OverlayScenario>('overlay');
    expect(all.length).toBeGreaterThanOrEqual(16);
    for (const s of all) expect(validateScenario(s.spec), s.source).toEqual([]);
  });
  it('names the field that is wrong', () => {
    const bad: OverlayScenario = { name: 'x', lowers: [{}], ops: [{ op: 'rm', path: '../etc/passwd' }], expect: { ops: [] } };
    const errs = validateScenario(bad);
    expect(errs.join('\n')).toMatch(/read-only overlay \(no upper\) needs two or more lowers/);
    expect(errs.join('\n')).toMatch(/ops\[0\]\.path: must be relative/);
    expect(errs.join('\n')).toMatch(/expect\.ops: one outcome per op/);
  });
  it('builds the lecture\'s option string, leftmost lower on top, then the options', () => {
    expect(overlayOptions({ lower: ['/tmp/lower1', '/tmp/lower2'], upper: '/tmp/upper', work: '/tmp/workdir', target: '/tmp/overlay' }))
      .toBe('lowerdir=/tmp/lower1:/tmp/lower2,upperdir=/tmp/upper,workdir=/tmp/workdir');
    expect(overlayOptions({ lower: ['/l'], upper: '/u', work: '/w', target: '/m', options: { redirect_dir: 'on', userxattr: true } }))
      .toBe('lowerdir=/l,upperdir=/u,workdir=/w,redirect_dir=on,userxattr');
  });
});
