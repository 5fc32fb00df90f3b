// The lecture's docker-compose.yml: server1 built from the multi-stage Dockerfile, a client
// that sends "hallo" to server1:8081 by name (teardown.spec.ts: `down`, beside it).
import { claim } from '../../src/claims/claim.js';
import { capped } from './sources.js';
import { project, NEEDS, UP_TIMEOUT_MS, BUILD_TIMEOUT_MS, PROJECT_CLAIM_MS, upOutcome, server, client, message, port }
  from './project.js';

for (const variant of ['lecture', 'ready'] as const) {
  const scenario = variant === 'lecture' ? 'as written (sleep 3)' : 'with a readiness wait instead of sleep 3';
  claim('compose.service-dns', { scenario, needs: [...NEEDS], timeoutMs: PROJECT_CLAIM_MS }, async (c) => {
    const p = await project(c, variant);
    const up = await p.cmd(['up', '--build', '--abort-on-container-exit', '--exit-code-from', client], UP_TIMEOUT_MS,
      BUILD_TIMEOUT_MS);
    const serverLog = capped(await p.logs(server));
    const clientLog = capped(await p.logs(client));
    const got = serverLog.trim().split('\n').filter((l) => l.includes(message));
    c.evidence({
      summary: `${c.host.compose!.flavour} ${c.host.compose!.version}: ${client} exited ${up.exitCode}; ${server} `
        + `logged ${JSON.stringify(got)}`,
      flavour: c.host.compose!.flavour, upExit: up.exitCode, buildMs: up.buildMs, upMs: up.durationMs,
      containers: await p.containers(), serverLog: serverLog.trim(), clientLog: clientLog.trim(),
      ...(up.exitCode !== 0 ? { composeOutput: capped((up.stdout + up.stderr).trim().split('\n').slice(-20).join('\n')) } : {}),
    });
    c.verify([
      { ok: up.exitCode === 0, what: `the ${client} exits 0`, expected: 0,
        actual: upOutcome(up) },
      // The server prints what it gets; any line with the message counts.
      { ok: got.length > 0, what: `${server} receives "${message}" on ${port} by service name (its log shows it)`,
        expected: `a log line with ${message}`, actual: serverLog.trim().split('\n').pop() ?? '' },
    ]);
  });
}
