import { describe, it, expect } from 'vitest';
import { validateScenario, type OverlayScenario } from '../../src/overlay/scenario.js';
import { scenarios } from '../../suites/overlay/scenarios.js';
import { overlayOptions } from '../../src/overlay/mount.js';

describe('overlay scenario format', () => {
  it('every declared scenario is valid', () => {
    for (const s of Object.values(scenarios)) expect(validateScenario(s)).toEqual([]);
  });
  it('names the field that is wrong', () => {
    const bad: OverlayScenario = { name: 'x', lowers: [{}], ops: [{ op: 'rm', path: '../etc/passwd' }], expect: { ops: [] } };
    const errs = validateScenario(bad);
    expect(errs.join('\n')).toMatch(/read-only overlay \(no upper\) needs two or more lowers/);
    expect(errs.join('\n')).toMatch(/ops\[0\]\.path: must be relative/);
    expect(errs.join('\n')).toMatch(/expect\.ops: one outcome per op/);
  });
  it('builds the lecture\'s option string, leftmost lower on top', () => {
    expect(overlayOptions({ lower: ['/tmp/lower1', '/tmp/lower2'], upper: '/tmp/upper', work: '/tmp/workdir', target: '/tmp/overlay' }))
      .toBe('lowerdir=/tmp/lower1:/tmp/lower2,upperdir=/tmp/upper,workdir=/tmp/workdir');
  });
});
