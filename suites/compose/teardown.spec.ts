// The lecture's `docker compose down`: removes everything, fast — and why a shell as PID 1
// makes it wait. Beside compose.spec.ts (its own project names).
import { claim } from '../../src/claims/claim.js';
import { workspace } from '../../src/core/fs.js';
import { composeProject } from '../../src/docker/compose.js';
import { docker } from '../../src/docker/cli.js';
import { sources } from './sources.js';
import { project, NEEDS, UP_TIMEOUT_MS, BUILD_TIMEOUT_MS, PROJECT_CLAIM_MS, upOutcome, client } from './project.js';

claim('compose.teardown', { scenario: 'the lecture\'s project', needs: [...NEEDS], timeoutMs: PROJECT_CLAIM_MS }, async (c) => {
  const p = await project(c, 'ready', 'teardown');
  const up = await p.cmd(['up', '--build', '-d'], UP_TIMEOUT_MS, BUILD_TIMEOUT_MS);
  const tail = (up.stdout + up.stderr).trim().split('\n').slice(-5).join(' | ');
  if (up.exitCode !== 0) throw new Error(`compose up failed (${upOutcome(up)}): ${tail}`);
  // The client is a one-shot whose PID 1 is a shell (it ignores SIGTERM): let it finish, so
  // down measures removal, not a stop timeout.
  const one = (await p.containers()).find((x) => x.service === client);
  if (one) await docker(['wait', one.id], { timeoutMs: 30_000, check: false });
  const before = await p.leftovers();
  // "Fast" is a matter of mechanism, not of this machine's speed: every container must stop on
  // SIGTERM, not be killed when the stop timeout runs out (exit 137). The lecture gives no number;
  // the times are evidence.
  const t0 = performance.now();
  const stop = await p.cmd(['stop', '--timeout', '10'], 60_000);
  const stopMs = performance.now() - t0;
  const exits = await Promise.all((await p.containers()).map(async (x) =>
    ({ service: x.service, exit: (await docker(['inspect', '--format', '{{.State.ExitCode}}', x.id],
    { timeoutMs: 15_000 })).stdout.trim() })));
  const t1 = performance.now();
  const down = await p.down();
  const downMs = performance.now() - t1 - down.engineWaitMs; // not the wait for another build's turn
  const after = await p.leftovers();
  const killed = exits.filter((x) => x.exit === '137');
  c.evidence({
    summary: `stop took ${(stopMs / 1000).toFixed(2)} s (exit `
      + `codes ${exits.map((x) => `${x.service} ${x.exit}`).join(', ')}); down ${(downMs / 1000).toFixed(2)} s `
      + `removed ${before.containers.length} containers, ${before.networks.length} `
      + `network(s), ${before.images.length} built image(s); `
      + `left: ${after.containers.length + after.networks.length + after.images.length}`,
    stopMs: Math.round(stopMs), downMs: Math.round(downMs), exits, before, after, downExit: down.exitCode,
      lecture: 'gives no number for down',
  });
  c.verify([
    { ok: stop.exitCode === 0 && killed.length === 0,
      what: 'every container stops on SIGTERM (none waits out the 10 s stop timeout and is killed)',
      expected: 'no exit 137',
      actual: killed.length ? killed.map((x) => `${x.service} killed (137)`) : exits.map((x) => `${x.service} ${x.exit}`) },
    { ok: down.exitCode === 0, what: 'down succeeds', expected: 0, actual: down.exitCode },
    { ok: after.containers.length === 0, what: 'no container of the project is left', expected: [], actual: after.containers },
    { ok: after.networks.length === 0, what: 'its network is gone', expected: [], actual: after.networks },
    { ok: after.images.length === 0, what: 'the images it built are gone', expected: [], actual: after.images },
  ]);
});

claim('compose.teardown',
  { scenario: 'a shell as PID 1 makes down wait; init: true does not', needs: ['docker', 'compose', 'image.busybox'],
  timeoutMs: 120_000 }, async (c) => {
  const ws = await workspace(c.ledger, sources.pid1, 'pid1');
  const stopTimeoutS = 2;
  const timeStop = async (service: string) => {
    const p = await composeProject(c.ledger, c.host.compose!, ws, ['docker-compose.yml'], `pid1-${service}`);
    const up = await p.cmd(['up', '-d', service], 60_000);
    if (up.exitCode !== 0) throw new Error(`compose up ${service} failed: ${(up.stdout + up.stderr).trim().split('\n').pop()}`);
    const t0 = performance.now();
    const stop = await p.cmd(['stop', '--timeout', String(stopTimeoutS), service], 30_000);
    const ms = performance.now() - t0;
    const ct = (await p.containers()).find((x) => x.service === service);
    const exitCode = ct ? (await docker(['inspect', '--format', '{{.State.ExitCode}}', ct.id], { timeoutMs: 15_000 })).stdout.trim() : '';
    return { ms: Math.round(ms), stopExit: stop.exitCode, state: ct?.state, exitCode };
  };
  const shell = await timeStop('shell-pid1');
  const init = await timeStop('with-init');
  c.evidence({
    summary: `stop --timeout ${stopTimeoutS}: sh as PID 1 took ${(shell.ms / 1000).toFixed(2)} s and `
      + `exited ${shell.exitCode} (SIGTERM ignored, killed at the timeout); with init: `
      + `true ${(init.ms / 1000).toFixed(2)} s, exit ${init.exitCode}`,
    stopTimeoutS, shellPid1: shell, withInit: init,
  });
  // Exit codes say what happened whatever the machine's speed: 137 = SIGKILL at the timeout,
  // 143 = ended by SIGTERM (tini passes it on). Waiting out the timeout takes it at least.
  c.verify([
    { ok: shell.exitCode === '137' && shell.ms >= stopTimeoutS * 1000,
      what: 'a shell PID 1 ignores SIGTERM: stop waits out the timeout, then kills it',
      expected: `exit 137 after ≥ ${stopTimeoutS} s`, actual: `exit ${shell.exitCode} after ${shell.ms} ms` },
    { ok: init.exitCode !== '137' && init.exitCode !== '',
      what: 'with init: true it stops on SIGTERM, not killed at the timeout', expected: 'exit 143 (SIGTERM), not 137',
      actual: `exit ${init.exitCode} after ${init.ms} ms` },
  ]);
});
