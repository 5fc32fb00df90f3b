// Negative controls for the cgroups claims: swapped or equal weights must fail the 80/20
// check, and without a limit the memory and pids checks must fail.
import { describe, it, expect, afterEach } from 'vitest';
import { Ledger } from '../../src/core/ledger.js';
import { cgroupDriver } from '../../src/cgroups/select.js';
import { measureSplit, shareChecks, slideSplit } from '../../src/cgroups/measure.js';
import { currentHost } from '../../src/claims/current-host.js';
import { memory } from '../../suites/cgroups/scenarios.js';
import { lectureSplit } from '../../src/scenarios/lecture.js';
import { requireRoot } from './gate.js';

const ledger = new Ledger('cgroups-controls');
afterEach(async () => void (await ledger.undoAll()));
const lecture = await lectureSplit();

describe.skipIf(!requireRoot())('cgroups negative controls', () => {
  it.each([
    ['swapped weights', [{ name: 'red', weight: 20 }, { name: 'blue', weight: 80 }]],
    ['equal weights', [{ name: 'red', weight: 100 }, { name: 'blue', weight: 100 }]],
  ])('%s fail the 80/20 check', async (_, groups) => {
    const m = await measureSplit(ledger, cgroupDriver(await currentHost()), { ...lecture, groups, windowMs: 1000 });
    const failed = shareChecks(m.shares, lecture.expected, lecture.tolerancePp).filter((c) => !c.ok);
    expect(failed.map((c) => c.what)).toEqual(['red gets 80.0% ±2 pp', 'blue gets 20.0% ±2 pp']);
  });

  it('the v2 conversion on this host (weights 1/3 for --cpu-shares 20/80): the mechanism holds, the slide departs', async () => {
    // runc 1.1 on cgroup v2 writes cpu.weight 1 and 3 for --cpu-shares 20 and 80; written here as such.
    const groups = [{ name: 'low', weight: 1 }, { name: 'high', weight: 3 }];
    const m = await measureSplit(ledger, cgroupDriver(await currentHost()), { ...lecture, groups, windowMs: 1000 });
    expect(shareChecks(m.shares, { low: 0.25, high: 0.75 }, 2).every((c) => c.ok)).toBe(true);
    const a = slideSplit('--cpu-shares 20/80', { low: 0.2, high: 0.8 }, m.shares, 2, 'weights 1/3 written');
    expect(a).toMatchObject({ holds: false, expected: '20.0/80.0 ±2 pp', why: 'weights 1/3 written' });
  });

  it('without a memory limit the over-limit allocation survives (the OOM check would fail)', async () => {
    const g = await cgroupDriver(await currentHost()).create(ledger, 'nolimit', ['memory']);
    const p = await g.exec(ledger, ['dd', 'if=/dev/zero', 'of=/dev/null', `bs=${memory.overMb}M`, 'count=1']);
    const r = await p.exited(20_000);
    expect(r?.signal).toBeNull();
    expect(r?.exitCode).toBe(0);
    expect(await g.oomKills()).toBe(0);
  });

  it('without a pids limit every fork succeeds (the pids check would fail)', async () => {
    const g = await cgroupDriver(await currentHost()).create(ledger, 'nopids', ['pids']);
    const p = await g.exec(ledger, ['sh', '-c', 'for i in $(seq 20); do sleep 5 & done; echo all-started']);
    for (let i = 0; i < 100 && !p.output().stdout.includes('all-started'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(p.output().stdout).toContain('all-started');
    expect(await g.pidsMaxEvents()).toBe(0);
  });
});
