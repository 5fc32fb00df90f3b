// `isolab bench guests` without a cached guest: each guest is skipped with the command that
// builds it; the host's newest run (not a bench, not a guest's) gives the suite times.
import { afterAll, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The bench needs root, qemu and debootstrap before it looks at any guest (a guest has neither);
// the temp dir is made only when the test runs (a skipped file runs no afterAll: the sid guest's
// leak check found it left).
const { which } = await import('../../src/core/exec.js');
const runs = process.getuid?.() === 0
  && (await Promise.all(['debootstrap', 'mkfs.ext4', 'debugfs', 'qemu-system-x86_64', 'docker'].map(which))).every(Boolean);
const tmp = runs ? mkdtempSync(path.join(tmpdir(), 'test-bench-guests-')) : '';
if (runs) {
  process.env.ISOLAB_GUEST_CACHE = path.join(tmp, 'guests'); // before src/guest/recipe.ts reads it
  process.env.ISOLAB_REPORTS = path.join(tmp, 'reports');
}
const { guests } = await import('../../src/bench/guests.js');
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const results = (suites: string[], claims: Array<[string, number]>, guest?: string) => ({
  run: { id: 'x', startedAt: '2026-11-28T10:00:00Z', finishedAt: '2026-11-28T10:01:05Z', argv: [], suites },
  host: guest ? { guest: { name: guest } } : {}, claims: claims.map(([suite, durationMs]) => ({ suite, durationMs })),
});
const write = (dir: string, r: unknown) => {
  mkdirSync(path.join(tmp, 'reports', dir), { recursive: true });
  writeFileSync(path.join(tmp, 'reports', dir, 'results.json'), JSON.stringify(r));
};

it.runIf(runs)('skips a guest not built, and reads the host run beside it', async () => {
  write('20261128T100000-aaaaaa', results(['overlay', 'netns'], [['overlay', 600], ['netns', 14_000], ['netns', 4000]]));
  write('20261128T110000-bbbbbb-trixie', results(['netns'], [['netns', 90_000]], 'trixie'));
  write('20261128T120000-cccccc-bench', results(['bench'], [['bench', 1000]]));
  const said: string[] = [];
  const out = await guests({ progress: (s: string) => said.push(s) } as never);
  expect(out.rows).toEqual([
    { guest: 'trixie', skipped: 'not built: sudo npx isolab guest build trixie' },
    { guest: 'sid', skipped: 'not built: sudo npx isolab guest build sid' },
  ]);
  expect(out.host).toEqual({ run: '20261128T100000-aaaaaa', wallS: 65, claimSeconds: { overlay: 0.6, netns: 18 } });
});
