// OverlayFS, as the lecture's slide and the kernel's documentation describe it, checked against
// the real kernel. The scenarios are files: scenarios/*.yaml here, and a course's own folder.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { claim } from '../../src/claims/claim.js';
import { scratchDir, isMountPoint, umount } from '../../src/core/fs.js';
import { runScenario, type OverlayScenario } from '../../src/overlay/scenario.js';
import { mountOverlay, mountOverlayRaw, type OverlaySpec } from '../../src/overlay/mount.js';
import { scenariosOf } from '../../src/scenarios/files.js';
import { badInputs, type BadInput } from './scenarios.js';
import { run } from '../../src/core/exec.js';

for (const { claim: id, spec: scenario, source } of await scenariosOf<OverlayScenario>('overlay')) {
  const needs = scenario.rootless ? (['root', 'overlay', 'tool.getfattr', 'userns'] as const)
    : (['root', 'overlay', 'tool.getfattr'] as const);
  claim(id, { scenario: scenario.name, source, needs: [...needs] }, async (c) => {
    // Rootless: on disk, not tmpfs — tmpfs keeps user.* xattrs only since Linux 6.6.
    const root = await scratchDir(c.ledger, id.replace('overlay.', ''), { tmpfs: !scenario.rootless });
    c.captureOnFailure('mountinfo', async () => (await run('findmnt', ['-R', root], { check: false })).stdout);
    const { checks, evidence } = await runScenario(c.ledger, root, scenario);
    await c.hold();
    const kinds = Object.entries((evidence.whiteoutKind ?? {}) as Record<string, string | null>).map(([f, k]) =>
      `upper/${f} is a ${k === 'chardev' ? '0/0 character-device' : k ?? 'missing'} whiteout`);
    const outcomes = ((evidence.ops ?? []) as Array<{ op: string; outcome: string }>).filter((o) =>
      o.outcome !== 'ok').map((o) => `${o.op} gave ${o.outcome}`);
    // The report names the scenario; the summary says what happened in it.
    const said = [...outcomes, ...kinds];
    c.evidence({ summary: `${said.length ? said.join('; ') : 'as declared'} `
      + `(${checks.filter((k) => k.ok).length}/${checks.length} checks)`, scenario: scenario.name, source, ...evidence });
    c.verify(checks);
  });
}

async function layout(c: { ledger: import('../../src/core/ledger.js').Ledger }, root: string,
  kind: BadInput['layout']): Promise<OverlaySpec> {
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
      summary: `harness: "${named.split(root).join('…')}"; kernel ${raw === 'mounted' ? 'accepted it (undefined '
        + 'behaviour)' : 'refused it'}`,
    });
    c.verify([
      ...(bad.kernelRefuses ? [{ ok: raw !== 'mounted', what: 'the kernel refuses the mount', expected: 'mount fails', actual: raw }] : []),
      { ok: named.includes(`overlay ${bad.option}`), what: 'the error names the option',
        expected: `mentions "${bad.option}"`, actual: named },
      { ok: !left, what: 'no mount is left behind', expected: 'no mount at target', actual: left ? `${left.fstype} mounted` : 'none' },
    ]);
  });
}
