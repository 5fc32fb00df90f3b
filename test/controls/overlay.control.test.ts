// Negative controls: the overlay scenarios run against stand-ins that are not overlays.
// Each claim's checks must fail there — a check that passes on a plain directory proves nothing.
import { describe, it, expect, afterEach } from 'vitest';
import { Ledger } from '../../src/core/ledger.js';
import { scratchDir } from '../../src/core/fs.js';
import { runScenario, type MountMode, type OverlayScenario } from '../../src/overlay/scenario.js';
import { scenariosOf } from '../../src/scenarios/files.js';
import { requireRoot } from './gate.js';

const ledger = new Ledger('overlay-controls');
afterEach(async () => void (await ledger.undoAll()));
const all = await scenariosOf<OverlayScenario>('overlay');
const first = (id: string) => all.find((s) => s.claim === id)!.spec;

async function failedChecks(s: OverlayScenario, mode: MountMode): Promise<string[]> {
  const root = await scratchDir(ledger, 'control', { tmpfs: !s.rootless });
  const { checks } = await runScenario(ledger, root, s, mode);
  return checks.filter((c) => !c.ok).map((c) => c.what);
}

describe.skipIf(!requireRoot())('overlay negative controls', () => {
  // Every scenario of every file, the lecture's and the kernel docs' alike: a stand-in that is
  // no overlay (a plain copy of the layers, or the top layer bind-mounted) fails one of its checks.
  it.each(all.map((s) => [s.claim, s.name, s.spec] as const))('%s › %s fails on a stand-in', async (_, __, s) => {
    const failed = [...(await failedChecks(s, 'copy')), ...(await failedChecks(s, 'bind'))];
    expect(failed.length).toBeGreaterThan(0);
  });

  it.each<[string, MountMode, RegExp]>([
    ['overlay.copy-up', 'bind', /lower0 is untouched|upper\/config.txt reads/],
    ['overlay.copy-up', 'copy', /upper\/config.txt reads/],
    ['overlay.whiteout', 'bind', /is a whiteout/],
    ['overlay.whiteout', 'copy', /is a whiteout/],
    ['overlay.opaque-dir', 'copy', /is opaque/],
    ['overlay.multi-lower-readonly', 'copy', /write new.txt through merged/],
    ['overlay.multi-lower-upper', 'bind', /merged\/x.txt|b-only.txt/],
    ['overlay.union', 'bind', /merged\/only-upper.txt reads/],
    ['overlay.rename-dir', 'copy', /rename d → e through merged/],
    ['overlay.metacopy', 'copy', /metacopy|holds no data/],
    ['overlay.rename-file', 'copy', /upper\/old.txt is a whiteout/],
  ])('%s fails on a %s stand-in, at the check that matters', async (id, mode, expected) => {
    const failed = await failedChecks(first(id), mode);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.join('\n')).toMatch(expected);
  });

  it('the real overlay passes the same checks (the control is not broken)', async () => {
    expect(await failedChecks(first('overlay.whiteout'), 'overlay')).toEqual([]);
  });
});
