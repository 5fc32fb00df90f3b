// OverlayFS, as the lecture's slide describes it, checked against the real kernel.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { claim } from '../../src/claims/claim.js';
import { scratchDir, isMountPoint, umount } from '../../src/core/fs.js';
import { runScenario } from '../../src/overlay/scenario.js';
import { mountOverlay, mountOverlayRaw, type OverlaySpec } from '../../src/overlay/mount.js';
import { scenarios, badInputs, type BadInput } from './scenarios.js';
import { run } from '../../src/core/exec.js';

for (const [id, scenario] of Object.entries(scenarios)) {
  claim(id, { needs: ['root', 'overlay', 'tool.getfattr'] }, async (c) => {
    const root = await scratchDir(c.ledger, id.replace('overlay.', ''));
    c.captureOnFailure('mountinfo', async () => (await run('findmnt', ['-R', root], { check: false })).stdout);
    const { checks, evidence } = await runScenario(c.ledger, root, scenario);
    await c.hold();
    const kinds = Object.entries((evidence.whiteoutKind ?? {}) as Record<string, string | null>).map(([f, k]) => `upper/${f} is a ${k === 'chardev' ? '0/0 character-device' : k ?? 'missing'} whiteout`);
    c.evidence({ summary: [scenario.name, ...kinds].join('; ') + ` (${checks.filter((k) => k.ok).length}/${checks.length} checks)`, scenario: scenario.name, ...evidence });
    c.verify(checks);
  });
}

async function layout(c: { ledger: import('../../src/core/ledger.js').Ledger }, root: string, kind: BadInput['layout']): Promise<OverlaySpec> {
  const d = (n: string) => path.join(root, n);
  await Promise.all(['lower', 'upper', 'work', 'merged'].map((n) => mkdir(d(n))));
  switch (kind) {
    case 'missing-workdir':
      return { lower: [d('lower')], upper: d('upper'), target: d('merged') };
    case 'missing-lowerdir':
      return { lower: [d('no-such-dir')], upper: d('upper'), work: d('work'), target: d('merged') };
    case 'upper-inside-lower':
      await mkdir(d('lower/up'));
      return { lower: [d('lower')], upper: d('lower/up'), work: d('work'), target: d('merged') };
    case 'workdir-other-fs': {
      const other = await scratchDir(c.ledger, 'otherfs', { sizeMb: 1 });
      return { lower: [d('lower')], upper: d('upper'), work: other, target: d('merged') };
    }
  }
}

for (const bad of badInputs) {
  claim('overlay.bad-options', { scenario: bad.name, needs: ['root', 'overlay'] }, async (c) => {
    const root = await scratchDir(c.ledger, 'bad');
    const spec = await layout(c, root, bad.layout);
    // The kernel itself refuses it (what the lecture's bare `mount` would see)…
    const raw = await mountOverlayRaw(spec).then(() => 'mounted', (e: Error) => e.message);
    if (raw === 'mounted') await umount(spec.target);
    // …and the harness says which option is wrong before asking the kernel.
    const named = await mountOverlay(c.ledger, spec).then(() => 'mounted', (e: Error) => e.message);
    const left = await isMountPoint(spec.target);
    c.evidence({
      input: bad.name, kernel: raw, harness: named, mountLeft: !!left,
      summary: `harness: "${named.split(root).join('…')}"; kernel ${raw === 'mounted' ? 'accepted it (undefined behaviour)' : 'refused it'}`,
    });
    c.verify([
      ...(bad.kernelRefuses ? [{ ok: raw !== 'mounted', what: 'the kernel refuses the mount', expected: 'mount fails', actual: raw }] : []),
      { ok: named.includes(`overlay ${bad.option}`), what: 'the error names the option', expected: `mentions "${bad.option}"`, actual: named },
      { ok: !left, what: 'no mount is left behind', expected: 'no mount at target', actual: left ? `${left.fstype} mounted` : 'none' },
    ]);
  });
}
