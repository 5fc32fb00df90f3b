// The lecture's docker-compose.yml: server1 built from the multi-stage Dockerfile, a client
// that sends "hallo" to server1:8081 by name; and `down` that removes everything, fast.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { claim, type ClaimContext } from '../../src/claims/claim.js';
import { workspace, requireFiles } from '../../src/core/fs.js';
import { composeProject } from '../../src/docker/compose.js';
import { docker } from '../../src/docker/engine.js';
import { sources, assignment, graded, capped, readyClientCommand } from './sources.js';
import { containCompose } from '../../src/grade/untrusted.js';

const NEEDS = ['docker', 'compose', 'image.busybox', 'image.go'] as const;
/** Bounded: a server that never answers costs this long at most (isolab grade lowers it). */
// Not testcontainers here, on purpose: its compose module drives compose v2 only (this kind of
// host has v1), its wait strategies probe ports published on the host (a submission's must not
// be), and its reaper is an image pulled from a registry (none offline). The compose CLI, bounded,
// gives both flavours and the output these checks read.
const UP_TIMEOUT_MS = Number(process.env.ISOLAB_COMPOSE_TIMEOUT_MS ?? (graded ? assignment.limits.upSeconds * 1000 : 150_000));
const { server, client, port, message } = assignment.compose;

async function project(c: ClaimContext, variant: 'lecture' | 'ready') {
  await requireFiles(sources.compose.dir, sources.compose.files, 'the compose project');
  const ws = await workspace(c.ledger, sources.compose.dir, 'compose');
  const file = path.join(ws, sources.compose.file);
  const v1 = c.host.compose!.flavour === 'standalone-v1';
  if (graded) {
    // A student's file runs contained (src/grade/untrusted.ts refused what reaches the host).
    const contained = containCompose(await readFile(file, 'utf8'), assignment, v1 ? 'v1' : 'v2');
    await writeFile(file, contained.text);
    c.evidence({ contained: { limits: assignment.limits, networks: 'internal', stripped: contained.stripped } });
  }
  const files = [sources.compose.file];
  if (variant === 'ready') {
    // Compose v1 wants an override's version to match the file's; v2 ignores it.
    const version = v1 ? (parseDocument(await readFile(file, 'utf8')).get('version') as string | undefined) : undefined;
    const override = { ...(version ? { version } : {}), services: { [client]: { command: ['sh', '-c', readyClientCommand()] } } };
    await writeFile(path.join(ws, 'isolab-ready.yml'), stringify(override));
    files.push('isolab-ready.yml');
  }
  const p = await composeProject(c.ledger, c.host.compose!, ws, files, variant);
  c.captureOnFailure('compose ps and logs', async () => ({
    containers: await p.containers(),
    [server]: capped(await p.logs(server)),
    [client]: capped(await p.logs(client)),
  }));
  return p;
}

for (const variant of ['lecture', 'ready'] as const) {
  const scenario = variant === 'lecture' ? 'as written (sleep 3)' : 'with a readiness wait instead of sleep 3';
  claim('compose.service-dns', { scenario, needs: [...NEEDS], timeoutMs: 180_000 }, async (c) => {
    const p = await project(c, variant);
    const up = await p.cmd(['up', '--build', '--abort-on-container-exit', '--exit-code-from', client], UP_TIMEOUT_MS);
    const serverLog = capped(await p.logs(server));
    const clientLog = capped(await p.logs(client));
    const got = serverLog.trim().split('\n').filter((l) => l.includes(message));
    c.evidence({
      summary: `${c.host.compose!.flavour} ${c.host.compose!.version}: ${client} exited ${up.exitCode}; ${server} logged ${JSON.stringify(got)}`,
      flavour: c.host.compose!.flavour, upExit: up.exitCode, containers: await p.containers(), serverLog: serverLog.trim(), clientLog: clientLog.trim(),
      ...(up.exitCode !== 0 ? { composeOutput: capped((up.stdout + up.stderr).trim().split('\n').slice(-20).join('\n')) } : {}),
    });
    c.verify([
      { ok: up.exitCode === 0, what: `the ${client} exits 0`, expected: 0, actual: up.timedOut ? `no exit within ${UP_TIMEOUT_MS / 1000} s (stopped)` : up.exitCode },
      // The server prints what it gets; any line with the message counts.
      { ok: got.length > 0, what: `${server} receives "${message}" on ${port} by service name (its log shows it)`, expected: `a log line with ${message}`, actual: serverLog.trim().split('\n').pop() ?? '' },
    ]);
  });
}

claim('compose.teardown', { scenario: 'the lecture\'s project', needs: [...NEEDS], timeoutMs: 180_000 }, async (c) => {
  const p = await project(c, 'ready');
  const up = await p.cmd(['up', '--build', '-d'], UP_TIMEOUT_MS);
  if (up.exitCode !== 0) throw new Error(`compose up failed: ${(up.stdout + up.stderr).trim().split('\n').slice(-5).join(' | ')}`);
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
  const exits = await Promise.all((await p.containers()).map(async (x) => ({ service: x.service, exit: (await docker(['inspect', '--format', '{{.State.ExitCode}}', x.id], { timeoutMs: 15_000 })).stdout.trim() })));
  const t1 = performance.now();
  const down = await p.down();
  const downMs = performance.now() - t1;
  const after = await p.leftovers();
  const killed = exits.filter((x) => x.exit === '137');
  c.evidence({
    summary: `stop took ${(stopMs / 1000).toFixed(2)} s (exit codes ${exits.map((x) => `${x.service} ${x.exit}`).join(', ')}); down ${(downMs / 1000).toFixed(2)} s removed ${before.containers.length} containers, ${before.networks.length} network(s), ${before.images.length} built image(s); left: ${after.containers.length + after.networks.length + after.images.length}`,
    stopMs: Math.round(stopMs), downMs: Math.round(downMs), exits, before, after, downExit: down.exitCode, lecture: 'gives no number for down',
  });
  c.verify([
    { ok: stop.exitCode === 0 && killed.length === 0, what: 'every container stops on SIGTERM (none waits out the 10 s stop timeout and is killed)', expected: 'no exit 137', actual: killed.length ? killed.map((x) => `${x.service} killed (137)`) : exits.map((x) => `${x.service} ${x.exit}`) },
    { ok: down.exitCode === 0, what: 'down succeeds', expected: 0, actual: down.exitCode },
    { ok: after.containers.length === 0, what: 'no container of the project is left', expected: [], actual: after.containers },
    { ok: after.networks.length === 0, what: 'its network is gone', expected: [], actual: after.networks },
    { ok: after.images.length === 0, what: 'the images it built are gone', expected: [], actual: after.images },
  ]);
});

claim('compose.teardown', { scenario: 'a shell as PID 1 makes down wait; init: true does not', needs: ['docker', 'compose', 'image.busybox'], timeoutMs: 120_000 }, async (c) => {
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
    summary: `stop --timeout ${stopTimeoutS}: sh as PID 1 took ${(shell.ms / 1000).toFixed(2)} s and exited ${shell.exitCode} (SIGTERM ignored, killed at the timeout); with init: true ${(init.ms / 1000).toFixed(2)} s, exit ${init.exitCode}`,
    stopTimeoutS, shellPid1: shell, withInit: init,
  });
  // Exit codes say what happened whatever the machine's speed: 137 = SIGKILL at the timeout,
  // 143 = ended by SIGTERM (tini passes it on). Waiting out the timeout takes it at least.
  c.verify([
    { ok: shell.exitCode === '137' && shell.ms >= stopTimeoutS * 1000, what: 'a shell PID 1 ignores SIGTERM: stop waits out the timeout, then kills it', expected: `exit 137 after ≥ ${stopTimeoutS} s`, actual: `exit ${shell.exitCode} after ${shell.ms} ms` },
    { ok: init.exitCode !== '137' && init.exitCode !== '', what: 'with init: true it stops on SIGTERM, not killed at the timeout', expected: 'exit 143 (SIGTERM), not 137', actual: `exit ${init.exitCode} after ${init.ms} ms` },
  ]);
});
