// cgroups, as the lecture's slide shows them: groups red and blue, weights, the pinned hog,
// and the same through docker — measured from the groups' own counters.
import { claim, type ClaimContext } from '../../src/claims/claim.js';
import { start } from '../../src/core/exec.js';
import { cgroupDriver } from '../../src/cgroups/select.js';
import { shareChecks, pct, slideSplit } from '../../src/cgroups/measure.js';
import { containerShares } from '../../src/cgroups/docker.js';
import { BASE_TAGS } from '../../src/docker/base-images.js';
import { dockerShares } from './scenarios.js';
import { scenariosOf } from '../../src/scenarios/files.js';
import { RUNNERS, type CgroupScenario } from '../../src/cgroups/scenario.js';
import { dumpRunGroups } from '../../src/cgroups/fsgroup.js';
import { runPrefix } from '../../src/core/names.js';

/** On failure, the evidence gets every cgroup file of this run's groups. */
const dumpOnFailure = (c: ClaimContext) => c.captureOnFailure('cgroup files', () => dumpRunGroups(runPrefix()));

claim('cgroups.move', { needs: ['root', 'cgroup.cpu'] }, async (c) => {
  const driver = cgroupDriver(c.host);
  const g = await driver.create(c.ledger, 'mover', ['cpu']);
  dumpOnFailure(c);
  const p = start('sleep', ['30']);
  c.ledger.add('process', `${p.pid} sleep`, () => p.stop(200));
  const before = await driver.procCgroupOf(p.pid);
  await g.addProcess(p.pid);
  const after = await driver.procCgroupOf(p.pid);
  const listed = (await g.procs()).includes(p.pid);
  c.evidence({ summary: `pid ${p.pid}: ${before} → ${after}`, pid: p.pid, before, after, cgroupVersion: driver.version });
  c.verify([
    { ok: before !== after, what: '/proc/<pid>/cgroup changes', expected: 'a new path', actual: after },
    { ok: after.endsWith('/mover'), what: '/proc/<pid>/cgroup names the group', expected: '…/mover', actual: after },
    { ok: listed, what: 'cgroup.procs lists the pid', expected: p.pid, actual: await g.procs() },
  ]);
});

// The scenario files (scenarios/*.yaml here, and a course's own): splits, nested weights,
// quota, memory.high, the freezer and cpusets, each run by its claim's runner, gated by its
// claim's needs (src/claims/catalog.ts). The windows run concurrently: each takes a seat — a
// CPU of its own, or every CPU — and waits for one.
for (const { claim: id, spec: s, source } of await scenariosOf<CgroupScenario>('cgroups')) {
  const runner = RUNNERS[id as keyof typeof RUNNERS];
  claim(id, { scenario: s.name, source, needs: s.needs ?? [], timeoutMs: 120_000, concurrent: true }, async (c) => {
    dumpOnFailure(c);
    const o = await runner(c.ledger, cgroupDriver(c.host), s);
    c.evidence({ summary: o.summary, source, ...o.evidence });
    c.verify(o.checks);
    if (o.slide) c.slide(o.slide);
  });
}

for (const pair of dockerShares) {
  claim('cgroups.docker-cpu-shares',
    { scenario: pair.name, needs: ['root', 'docker', 'image.busybox'], timeoutMs: 120_000, concurrent: true }, async (c) => {
    const r = await containerShares(c.ledger, c.host, pair, BASE_TAGS.busybox);
    c.evidence({
      summary: `--cpuset-cpus=${r.cpusetCpus} --cpu-shares ${pair.low}/${pair.high} → engine `
        + `wrote ${r.written.low}/${r.written.high}; measured low ${pct(r.shares.low!)} / `
        + `high ${pct(r.shares.high!)} (predicted ${pct(r.predicted.low!)} / ${pct(r.predicted.high!)}; the `
        + `requested shares alone would give ${pct(pair.low / (pair.low + pair.high))} / ${pct(pair.high / (pair.low + pair.high))})`,
      ...r,
    });
    // The mechanism: the split follows the weights the engine wrote. The slide: 20/80 as typed.
    c.verify(shareChecks(r.shares, r.predicted, 2));
    if (pair.slide) {
      const asked = { low: pair.low / (pair.low + pair.high), high: pair.high / (pair.low + pair.high) };
      const runtime = c.host.docker?.runtime ?? (c.host.runc ? `runc ${c.host.runc}` : 'the runtime');
      c.slide(slideSplit(pair.slide, asked, r.shares, 2,
        `${runtime} wrote ${r.writtenTo} ${r.written.low}/${r.written.high} for `
        + `--cpu-shares ${pair.low}/${pair.high}${r.formula ? ` (${r.formula})` : ''}`));
    }
  });
}

