// cgroups, as the lecture's slide shows them: groups red and blue, weights, the pinned hog,
// and the same through docker — measured from the groups' own counters.
import { claim, type ClaimContext } from '../../src/claims/claim.js';
import { run, start } from '../../src/core/exec.js';
import { cgroupDriver } from '../../src/cgroups/select.js';
import { shareChecks, pct, slideSplit } from '../../src/cgroups/measure.js';
import { containerShares } from '../../src/cgroups/docker.js';
import { docker, runContainer, waitExit } from '../../src/docker/engine.js';
import { BASE_TAGS } from '../../src/docker/base-images.js';
import { dockerShares, memory, pids } from './scenarios.js';
import { scenariosOf } from '../../src/scenarios/files.js';
import { RUNNERS, type CgroupScenario } from '../../src/cgroups/scenario.js';
import type { Capability } from '../../src/claims/requirements.js';
import { stat } from 'node:fs/promises';
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
// quota, memory.high, the freezer and cpusets, each run by its claim's runner.
const GATES: Record<keyof typeof RUNNERS, Capability[]> = {
  'cgroups.cpu-weight-split': ['root', 'cgroup.cpu', 'tool.taskset'],
  'cgroups.nested-weight': ['root', 'cgroup.cpu', 'tool.taskset'],
  'cgroups.cpu-quota': ['root', 'cgroup.cpu', 'tool.taskset'],
  'cgroups.unpinned-no-contention': ['root', 'cgroup.cpu'],
  'cgroups.memory-high': ['root', 'cgroup.memory-high'],
  'cgroups.freeze': ['root', 'cgroup.cpu', 'cgroup.freeze'],
  'cgroups.cpuset': ['root', 'cgroup.cpu', 'cgroup.cpuset', 'tool.taskset'],
};
for (const { claim: id, spec: s, source } of await scenariosOf<CgroupScenario>('cgroups')) {
  const runner = RUNNERS[id as keyof typeof RUNNERS];
  claim(id, { scenario: s.name, source, needs: [...GATES[id as keyof typeof RUNNERS], ...(s.needs ?? [])], timeoutMs: 90_000 }, async (c) => {
    dumpOnFailure(c);
    const o = await runner(c.ledger, cgroupDriver(c.host), s);
    c.evidence({ summary: o.summary, source, ...o.evidence });
    c.verify(o.checks);
    if (o.slide) c.slide(o.slide);
  });
}

for (const pair of dockerShares) {
  claim('cgroups.docker-cpu-shares', { scenario: pair.name, needs: ['root', 'docker', 'image.busybox'], timeoutMs: 90_000 }, async (c) => {
    const r = await containerShares(c.ledger, c.host, pair, BASE_TAGS.busybox);
    c.evidence({
      summary: `--cpu-shares ${pair.low}/${pair.high} → engine wrote ${r.written.low}/${r.written.high}; measured low ${pct(r.shares.low!)} / high ${pct(r.shares.high!)} (predicted ${pct(r.predicted.low!)} / ${pct(r.predicted.high!)}; the requested shares alone would give ${pct(pair.low / (pair.low + pair.high))} / ${pct(pair.high / (pair.low + pair.high))})`,
      ...r,
    });
    // The mechanism: the split follows the weights the engine wrote. The slide: 20/80 as typed.
    c.verify(shareChecks(r.shares, r.predicted, 2));
    if (pair.slide) {
      const asked = { low: pair.low / (pair.low + pair.high), high: pair.high / (pair.low + pair.high) };
      c.slide(slideSplit(pair.slide, asked, r.shares, 2, `${c.host.runc ? `runc ${c.host.runc}` : 'the runtime'} wrote ${r.writtenTo} ${r.written.low}/${r.written.high} for --cpu-shares ${pair.low}/${pair.high}${r.formula ? ` (${r.formula})` : ''}`));
    }
  });
}

claim('cgroups.memory-limit', { scenario: 'raw cgroup', needs: ['root', 'cgroup.memory'] }, async (c) => {
  const g = await cgroupDriver(c.host).create(c.ledger, 'mem', ['memory']);
  const written = await g.setMemoryLimit(memory.limitBytes);
  dumpOnFailure(c);
  const alloc = async (mb: number) => {
    const before = await g.oomKills();
    const p = await g.exec(c.ledger, ['dd', 'if=/dev/zero', 'of=/dev/null', `bs=${mb}M`, 'count=1']);
    const res = await p.exited(20_000);
    return { mb, exit: res?.exitCode ?? null, signal: res?.signal ?? null, oomKillsAdded: (await g.oomKills()) - before };
  };
  const under = await alloc(memory.underMb);
  const over = await alloc(memory.overMb);
  c.evidence({ summary: `limit ${memory.limitBytes >> 20} MiB: ${under.mb} MiB survived (exit ${under.exit}); ${over.mb} MiB was ${over.signal ?? `exit ${over.exit}`}, oom_kill +${over.oomKillsAdded}`, written, under, over });
  c.verify([
    { ok: under.exit === 0, what: `${memory.underMb} MiB under the limit survives`, expected: 'exit 0', actual: under.signal ?? `exit ${under.exit}` },
    { ok: over.signal === 'SIGKILL', what: `${memory.overMb} MiB past the limit is killed`, expected: 'SIGKILL', actual: over.signal ?? `exit ${over.exit}` },
    { ok: over.oomKillsAdded >= 1, what: 'the OOM kill shows in the group\'s counters', expected: 'oom_kill +1', actual: `+${over.oomKillsAdded}` },
  ]);
});

claim('cgroups.memory-limit', { scenario: 'docker run --memory', needs: ['root', 'docker', 'image.busybox'] }, async (c) => {
  const mb = memory.limitBytes >> 20;
  const ct = await runContainer(c.ledger, 'oom', [`--memory=${mb}m`, `--memory-swap=${mb}m`, BASE_TAGS.busybox, 'dd', 'if=/dev/zero', 'of=/dev/null', `bs=${memory.overMb}M`, 'count=1']);
  const r = await waitExit(ct.name, 30_000);
  // The engine sets OOMKilled from containerd's OOM event, which can come after the exit event
  // and be dropped (1 run in 10 here, Docker 20.10): the kernel's own oom-kill line for the
  // container's memory cgroup is the record the flag is made from.
  const id = (await docker(['inspect', '--format', '{{.Id}}', ct.name], { timeoutMs: 15_000 })).stdout.trim();
  const kernel = (await run('dmesg', [], { check: false, timeoutMs: 10_000 })).stdout.split('\n').filter((l) => id && l.includes('oom-kill:') && l.includes(id)).pop() ?? null;
  c.evidence({ summary: `docker run --memory=${mb}m, ${memory.overMb} MiB allocation: exit ${r.exitCode}, OOMKilled=${r.oomKilled}${kernel ? ', and the kernel logged the oom-kill in its cgroup' : ''}`, ...r, kernelOomKill: kernel?.replace(/^\[[\s\d.]+\]\s*/, '') ?? null });
  c.verify([
    { ok: r.oomKilled || kernel !== null, what: 'it was OOM-killed (State.OOMKilled, or the kernel\'s oom-kill line for its cgroup)', expected: true, actual: r.oomKilled ? 'OOMKilled=true' : kernel ? 'OOMKilled=false, kernel: oom-kill in its cgroup' : 'neither' },
    { ok: r.exitCode === 137, what: 'exit code 137 (SIGKILL)', expected: 137, actual: r.exitCode },
  ]);
});

claim('cgroups.pids-limit', { needs: ['root', 'cgroup.pids'] }, async (c) => {
  const driver = cgroupDriver(c.host);
  const g = await driver.create(c.ledger, 'pids', ['pids']);
  const written = await g.setPidsLimit(pids.max);
  dumpOnFailure(c);
  // Start more sleepers than the limit allows; sh gives up at the first refused fork.
  const script = `for i in $(seq ${pids.tryToStart}); do sleep 30 & done; echo all-started; wait`;
  const p = await g.exec(c.ledger, ['sh', '-c', script]);
  // Its sleepers keep the pipes open, so watch the output rather than wait for the exit.
  for (let i = 0; i < 150 && !/fork|all-started/i.test(p.output().stdout + p.output().stderr); i++) await new Promise((r) => setTimeout(r, 20));
  const ended = await p.exited(0);
  const { stdout, stderr } = p.output();
  const inGroup = (await g.procs()).length;
  const events = await g.pidsMaxEvents();
  await p.stop(200);
  // A fork bomb in a limited group stays contained (peak sampled while it runs), and the
  // group empties and is removed once its processes are ended.
  const bombGroup = await driver.create(c.ledger, 'bomb', ['pids']);
  await bombGroup.setPidsLimit(pids.max);
  const bomb = await bombGroup.exec(c.ledger, ['sh', '-c', 'f() { f & f & sleep 1; }; f']);
  let bombPeak = 0;
  for (let i = 0; i < 25; i++) {
    bombPeak = Math.max(bombPeak, (await bombGroup.procs()).length);
    await new Promise((r) => setTimeout(r, 20));
  }
  const bombEvents = await bombGroup.pidsMaxEvents();
  await bomb.stop(200);
  await c.ledger.undoAll();
  const removed = !(await stat(bombGroup.paths.pids!).then(() => true, () => false));
  c.evidence({
    summary: `pids.max ${pids.max}: starting ${pids.tryToStart} sleepers stopped at ${inGroup} processes (${events} forks refused, shell said "${stderr.trim().split('\n')[0]}"); a fork bomb peaked at ${bombPeak} processes (${bombEvents} refused); group removed after: ${removed}`,
    written, stdout: stdout.trim(), stderr: stderr.trim(), shellExit: ended?.exitCode ?? null, inGroup, pidsMaxEvents: events, bombPeak, bombEvents, groupRemoved: removed,
  });
  c.verify([
    { ok: inGroup <= pids.max, what: 'the group never holds more than pids.max', expected: `≤ ${pids.max}`, actual: inGroup },
    { ok: !stdout.includes('all-started') && /fork/i.test(stderr), what: 'the fork past the limit fails', expected: 'a refused fork, not all started', actual: stdout.includes('all-started') ? 'all started' : stderr.trim().split('\n')[0] },
    { ok: events > 0, what: 'pids.events counts the refused forks', expected: '> 0', actual: events },
    { ok: bombPeak <= pids.max && bombEvents > 0, what: 'a fork bomb stays contained', expected: `≤ ${pids.max} processes, forks refused`, actual: `${bombPeak} processes, ${bombEvents} refused` },
    { ok: removed, what: 'the group is empty and removed afterwards', expected: true, actual: removed },
  ]);
});
