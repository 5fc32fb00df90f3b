// "Docker implemented in around 100 lines of bash" — here from isolab's own primitives, and
// held against `docker run` of the same image with the same probe, side by side.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { claim } from '../../src/claims/claim.js';
import { prepareRootfs, runInContainer } from '../../src/container/runner.js';
import { createNetwork, inspect, runToExit } from '../../src/docker/cli.js';
import { BASE_TAGS } from '../../src/docker/base-images.js';
import { resourceName } from '../../src/core/names.js';
import { engineName } from '../../src/core/engine-name.js';
import { PROBE, parseProbe, expectations, limits } from './probe.js';

claim('bocker.container-from-primitives',
  { needs: ['root', 'overlay', 'netns', 'iptables', 'cgroup.cpu', 'cgroup.memory', 'cgroup.pids', 'docker',
  'image.busybox'], timeoutMs: 120_000 }, async (c) => {
  const hostname = resourceName('ctr').slice(0, 40);
  const rootfs = await prepareRootfs(c.ledger, BASE_TAGS.busybox);
  const env = { OVER_MB: String(limits.overMb), FORKS: String(limits.forks) };
  const ours = await runInContainer(c.ledger, c.host, {
    hostname, rootfs, command: ['/bin/sh', '-c', PROBE], env: { ...env, PEER: '10.88.0.1' },
    limits: { cpuWeight: limits.cpuWeight, memoryBytes: limits.memoryBytes, pids: limits.pids },
  });
  const written = await readFile(path.join(ours.upper, 'written-by-probe'), 'utf8').catch(() => null);
  const inLower = await stat(path.join(rootfs, 'written-by-probe')).then(() => true, () => false);

  const network = await createNetwork(c.ledger, 'bocker');
  // docker: IPAM.Config[].Gateway; podman (netavark): subnets[].gateway.
  const net = await inspect<{ IPAM?: { Config: Array<{ Gateway: string }> }; subnets?: Array<{ gateway: string }> }>(network, 'network');
  const gw = net.IPAM?.Config[0]?.Gateway ?? net.subnets?.[0]?.gateway ?? '';
  const mb = limits.memoryBytes >> 20;
  // Podman's default capabilities leave out NET_RAW (CapBnd 0x800405fb in the trixie guest), so
  // busybox ping gets "permission denied"; docker's include it. The probe pings: ask for it.
  const netRaw = engineName() === 'podman' ? ['--cap-add=NET_RAW'] : [];
  const theirs = await runToExit(c.ledger, 'bocker-docker',
    [...netRaw, '--hostname', hostname, `--memory=${mb}m`, `--memory-swap=${mb}m`, `--pids-limit=${limits.pids}`,
    '--network', network, '-e', `OVER_MB=${env.OVER_MB}`, '-e', `FORKS=${env.FORKS}`, '-e', `PEER=${gw}`,
      BASE_TAGS.busybox, 'sh', '-c', PROBE], 60_000);

  const o = parseProbe(ours.stdout);
  const d = parseProbe(theirs.stdout);
  const keys = [...new Set([...Object.keys(o), ...Object.keys(d)])];
  const table = Object.fromEntries(keys.map((k) => [k, { isolab: o[k] ?? '—', docker: d[k] ?? '—' }]));
  const ourMounts = new Set((o.mounts ?? '').split(' ').filter(Boolean));
  const theirMounts = new Set((d.mounts ?? '').split(' ').filter(Boolean));
  await c.ledger.undoAll();
  const upperGone = !(await stat(ours.upper).then(() => true, () => false));
  c.evidence({
    summary: `isolab's container and docker run agree `
      + `on ${expectations.filter((e) => e.holds(o, { hostname }) === e.holds(d, { hostname })).length}/${expectations.length} isolation checks; started (incl. network and teardown-ready) in ${Math.round(ours.durationMs)} ms`,
    sideBySide: table,
    expectedDifferences: {
      'mounts only docker has': [...theirMounts].filter((m) => !ourMounts.has(m)),
      'mounts only isolab has': [...ourMounts].filter((m) => !theirMounts.has(m)),
      why: 'docker also mounts /sys, /dev/pts, /dev/shm, /dev/mqueue, bind-mounts /etc/hosts, /etc/hostname and '
        + '/etc/resolv.conf, and masks /proc paths; isolab mounts only /, /proc and a minimal /dev',
      peer: 'each reaches its own bridge: isolab 10.88.0.1, docker the network gateway',
      ...(netRaw.length ? { capabilities: 'podman run --cap-add=NET_RAW: podman\'s defaults leave it out, and ping needs it' } : {}),
    },
    writes: { upperFile: written, inLower, upperGoneAfterTeardown: upperGone },
    isolabStderr: ours.stderr.trim().slice(-500), dockerStderr: theirs.stderr.trim().slice(-500),
  });
  c.verify([
    ...expectations.map((e) =>
      ({ ok: e.holds(o, { hostname }), what: `isolab: ${e.what}`, expected: true, actual: o[e.key] ?? 'missing' })),
    ...expectations.map((e) =>
      ({ ok: e.holds(d, { hostname }), what: `docker run: ${e.what}`, expected: true, actual: d[e.key] ?? 'missing' })),
    { ok: written === 'probe-wrote\n' && !inLower, what: 'writes land in the upper dir, the lower untouched',
      expected: 'in upper only', actual: { upper: written, inLower } },
    { ok: upperGone, what: 'and are gone with the container', expected: true, actual: upperGone },
  ]);
});
