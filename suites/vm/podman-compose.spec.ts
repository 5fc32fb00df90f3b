// "Podman supports docker-compose": the lecture's compose project run by the docker-compose
// binary against Podman's Docker-compatible API (a socket the check serves and then stops).
import { claim } from '../../src/claims/claim.js';
import type { ComposeInfo } from '../../src/host/probe.js';
import { run, which } from '../../src/core/exec.js';
import { scratchDir } from '../../src/core/fs.js';
import { startPodmanService } from '../../src/docker/podman-service.js';
import { project, UP_TIMEOUT_MS, BUILD_TIMEOUT_MS, PROJECT_CLAIM_MS, upOutcome, client, server, message }
  from '../compose/project.js';
import { capped } from '../compose/sources.js';
import { setting } from '../../src/core/settings.js';
import { podmanComposeChecks } from './podman-compose.js';

const byProject = async (name: string) => (await run('podman', ['ps', '-a', '--filter', `label=com.docker.compose.project=${name}`,
  '--format', '{{.Names}}'], { check: false, timeoutMs: 15_000 })).stdout.split('\n').filter(Boolean);

claim('podman.docker-compose', { needs: ['root', 'image.busybox', 'image.go'],
  timeoutMs: PROJECT_CLAIM_MS + 60_000 }, async (c) => {
  // Docker's own firewall rules (FORWARD policy DROP) stop podman's bridge: podman alone, as a podman host is.
  if (c.host.docker?.name !== 'podman')
    c.skip(`needs podman as the engine (isolab run --guest ${setting('guest') ?? 'trixie'} --engine podman --claim `
      + 'podman.docker-compose)');
  const v = await run('docker-compose', ['version', '--short'], { check: false, timeoutMs: 15_000 });
  if (!(await which('docker-compose')) || v.exitCode !== 0) c.skip('the docker-compose binary is not installed here (the guests have it)');
  if (!(await which('docker'))) c.skip('the Docker CLI is not installed here (docker-compose asks it nothing, the check does)');
  // A failure while podman itself no longer answers is the host's fault, not the claim's (faults.ts).
  c.usesEngine = true;
  const svc = await startPodmanService(c.ledger, await scratchDir(c.ledger, 'podman-api', { tmpfs: false }));
  const version = v.stdout.trim().replace(/^v/, '');
  const compose: ComposeInfo = { flavour: version.startsWith('1.') ? 'standalone-v1' : 'standalone-v2', version,
    command: ['docker-compose'] };
  // The classic build API: Podman serves /build, not BuildKit's session.
  const env = { DOCKER_HOST: svc.host, DOCKER_BUILDKIT: '0', COMPOSE_DOCKER_CLI_BUILD: '0' };
  const p = await project(c, 'lecture', 'on-podman', compose, env);
  const up = await p.cmd(['up', '--build', '--abort-on-container-exit', '--exit-code-from', client], UP_TIMEOUT_MS,
    BUILD_TIMEOUT_MS);
  const podmanListed = await byProject(p.name);
  const serverLog = capped(await run('podman', ['logs', podmanListed.find((n) => n.includes(server)) ?? server],
    { check: false, timeoutMs: 15_000 }).then((r) => r.stdout + r.stderr));
  const down = await p.down();
  // Stopped here, not only at cleanup, so the evidence says how it ended.
  const stopped = await svc.stop();
  const result = {
    server: svc.server, upExit: up.exitCode, ...(up.timedOut ? { upEnded: String(upOutcome(up)) } : {}),
    received: serverLog.split('\n').filter((l) => l.includes(message)),
    podmanListed, leftAfterDown: await byProject(p.name), downExit: down.exitCode,
  };
  c.evidence({
    summary: `docker-compose ${version} → ${svc.server} (socket up in ${svc.readyMs} ms): client exited ${up.exitCode}, `
      + `server1 logged ${JSON.stringify(result.received)}; podman `
        + `listed ${podmanListed.length}, ${result.leftAfterDown.length} left after down`,
    slide: '"Podman supports docker-compose"', composeVersion: version, socket: svc.host, servicePid: svc.pid, ...result,
    buildMs: up.buildMs, upMs: up.durationMs, serviceStopped: stopped,
    ...(up.exitCode !== 0 ? { composeOutput: capped((up.stdout + up.stderr).trim().split('\n').slice(-20).join('\n')) } : {}),
  });
  c.verify(podmanComposeChecks(result, message));
});
