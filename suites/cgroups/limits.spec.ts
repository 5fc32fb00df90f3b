// The lecture's cgroup limits that are not CPU shares: memory (raw and docker run --memory) and
// pids. No CPU window: these run beside the other suites (cgroups.spec.ts measures alone).
import { claim, type ClaimContext } from '../../src/claims/claim.js';
import { run } from '../../src/core/exec.js';
import { engineName } from '../../src/core/engine-name.js';
import { cgroupDriver } from '../../src/cgroups/select.js';
import { docker, runContainer, waitExit } from '../../src/docker/cli.js';
import { BASE_TAGS } from '../../src/docker/base-images.js';
import { memory, pids } from './scenarios.js';
import { stat } from 'node:fs/promises';
import { dumpRunGroups } from '../../src/cgroups/fsgroup.js';
import { runPrefix } from '../../src/core/names.js';

const dumpOnFailure = (c: ClaimContext) => c.captureOnFailure('cgroup files', () => dumpRunGroups(runPrefix()));

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
  c.evidence({ summary: `limit ${memory.limitBytes >> 20} MiB: ${under.mb} MiB survived `
    + `(exit ${under.exit}); ${over.mb} MiB was ${over.signal ?? `exit ${over.exit}`}, oom_kill `
    + `+${over.oomKillsAdded}`, written, under, over });
  c.verify([
    { ok: under.exit === 0, what: `${memory.underMb} MiB under the limit survives`, expected: 'exit 0',
      actual: under.signal ?? `exit ${under.exit}` },
    { ok: over.signal === 'SIGKILL', what: `${memory.overMb} MiB past the limit is killed`, expected: 'SIGKILL',
      actual: over.signal ?? `exit ${over.exit}` },
    { ok: over.oomKillsAdded >= 1, what: 'the OOM kill shows in the group\'s counters', expected: 'oom_kill +1',
      actual: `+${over.oomKillsAdded}` },
  ]);
});

claim('cgroups.memory-limit', { scenario: 'docker run --memory', needs: ['root', 'docker', 'image.busybox'] }, async (c) => {
  const mb = memory.limitBytes >> 20;
  const ct = await runContainer(c.ledger, 'oom',
    [`--memory=${mb}m`, `--memory-swap=${mb}m`, BASE_TAGS.busybox, 'dd', 'if=/dev/zero', 'of=/dev/null',
    `bs=${memory.overMb}M`, 'count=1']);
  const r = await waitExit(ct.name, 30_000);
  // The engine sets OOMKilled from containerd's OOM event, which can come after the exit event
  // and be dropped (1 run in 10 here, Docker 20.10): the kernel's own oom-kill line for the
  // container's memory cgroup is the record the flag is made from.
  const id = (await docker(['inspect', '--format', '{{.Id}}', ct.name], { timeoutMs: 15_000 })).stdout.trim();
  const kernel = (await run('dmesg', [], { check: false, timeoutMs: 10_000 })).stdout.split('\n').filter((l) =>
    id && l.includes('oom-kill:') && l.includes(id)).pop() ?? null;
  c.evidence({ summary: `${engineName()} run --memory=${mb}m, ${memory.overMb} MiB allocation: exit ${r.exitCode}, `
    + `OOMKilled=${r.oomKilled}${kernel ? ', and the kernel logged the oom-kill in its cgroup' : ''}`, ...r,
    kernelOomKill: kernel?.replace(/^\[[\s\d.]+\]\s*/, '') ?? null });
  c.verify([
    { ok: r.oomKilled || kernel !== null,
      what: 'it was OOM-killed (State.OOMKilled, or the kernel\'s oom-kill line for its cgroup)', expected: true,
      actual: r.oomKilled ? 'OOMKilled=true' : kernel ? 'OOMKilled=false, kernel: oom-kill in its cgroup' : 'neither' },
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
  for (let i = 0; i < 150 && !/fork|all-started/i.test(p.output().stdout + p.output().stderr); i++)
    await new Promise((r) => setTimeout(r, 20));
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
    summary: `pids.max ${pids.max}: starting ${pids.tryToStart} sleepers stopped at ${inGroup} processes (${events} `
      + `forks refused, shell said "${stderr.trim().split('\n')[0]}"); a fork bomb peaked at ${bombPeak} processes `
      + `(${bombEvents} refused); group removed after: ${removed}`,
    written, stdout: stdout.trim(), stderr: stderr.trim(), shellExit: ended?.exitCode ?? null, inGroup,
      pidsMaxEvents: events, bombPeak, bombEvents, groupRemoved: removed,
  });
  c.verify([
    { ok: inGroup <= pids.max, what: 'the group never holds more than pids.max', expected: `≤ ${pids.max}`, actual: inGroup },
    { ok: !stdout.includes('all-started') && /fork/i.test(stderr), what: 'the fork past the limit fails',
      expected: 'a refused fork, not all started', actual: stdout.includes('all-started') ? 'all started' : stderr.trim().split('\n')[0] },
    { ok: events > 0, what: 'pids.events counts the refused forks', expected: '> 0', actual: events },
    { ok: bombPeak <= pids.max && bombEvents > 0, what: 'a fork bomb stays contained',
      expected: `≤ ${pids.max} processes, forks refused`, actual: `${bombPeak} processes, ${bombEvents} refused` },
    { ok: removed, what: 'the group is empty and removed afterwards', expected: true, actual: removed },
  ]);
});
