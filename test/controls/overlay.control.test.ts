// Negative controls: the overlay scenarios run against stand-ins that are not overlays.
// Each claim's checks must fail there — a check that passes on a plain directory proves nothing.
import { describe, it, expect, afterEach } from 'vitest';
import { Ledger } from '../../src/core/ledger.js';
import { scratchDir } from '../../src/core/fs.js';
import { runScenario, type MountMode } from '../../src/overlay/scenario.js';
import { scenarios } from '../../suites/overlay/scenarios.js';
import { requireRoot } from './gate.js';

const ledger = new Ledger('overlay-controls');
afterEach(async () => void (await ledger.undoAll()));

async function failedChecks(id: string, mode: MountMode): Promise<string[]> {
  const root = await scratchDir(ledger, 'control');
  const { checks } = await runScenario(ledger, root, scenarios[id]!, mode);
  return checks.filter((c) => !c.ok).map((c) => c.what);
}

describe.skipIf(!requireRoot())('overlay negative controls', () => {
  it.each<[string, MountMode, RegExp]>([
    ['overlay.copy-up', 'bind', /lower0 is untouched|upper\/config.txt reads/],
    ['overlay.copy-up', 'copy', /upper\/config.txt reads/],
    ['overlay.whiteout', 'bind', /is a whiteout/],
    ['overlay.whiteout', 'copy', /is a whiteout/],
    ['overlay.opaque-dir', 'copy', /is opaque/],
    ['overlay.multi-lower-readonly', 'copy', /write new.txt through merged/],
    ['overlay.multi-lower-upper', 'bind', /merged\/x.txt|b-only.txt/],
    ['overlay.union', 'bind', /merged\/only-upper.txt reads/],
  ])('%s fails on a %s stand-in', async (id, mode, expected) => {
    const failed = await failedChecks(id, mode);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.join('\n')).toMatch(expected);
  });

  it('the real overlay passes the same checks (the control is not broken)', async () => {
    expect(await failedChecks('overlay.whiteout', 'overlay')).toEqual([]);
  });
});
