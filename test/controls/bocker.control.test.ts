// Negative control for bocker.container-from-primitives: the same probe on the host, without
// the namespaces, fails the isolation checks.
import { describe, it, expect } from 'vitest';
import { hostname } from 'node:os';
import { run } from '../../src/core/exec.js';
import { PROBE, parseProbe, expectations } from '../../suites/bocker/probe.js';
import { requireRoot } from './gate.js';

describe.skipIf(!requireRoot())('bocker negative control', () => {
  it('the probe on the host fails the isolation checks', async () => {
    // No limits and no peer here: only the isolation checks are meant to fail.
    const r = await run('busybox', ['sh', '-c', PROBE],
      { env: { OVER_MB: '1', FORKS: '2', PEER: '127.0.0.1' }, check: false, timeoutMs: 30_000 });
    const o = parseProbe(r.stdout);
    const failed = expectations.filter((e) => !e.holds(o, { hostname: 'isolab-not-this-host' })).map((e) => e.key);
    for (const key of ['pid', 'hostname', 'procs', 'ifaces', 'mounts', 'alloc_exit', 'forks']) expect(failed).toContain(key);
    expect(o.hostname).toBe(hostname());
    // The probe really ran (a probe that printed nothing would "fail" everything).
    expect(o.write).toBeDefined();
  });
});

describe('the mounts check', () => {
  const mounts = expectations.find((e) => e.key === 'mounts')!;
  const holds = (m: string) => mounts.holds({ mounts: m }, { hostname: '' });
  it("spares podman's own /run/.containerenv, never a host /run or a file under it", () => {
    expect(holds('/ /dev /proc /run/.containerenv /sys')).toBe(true);
    expect(holds('/ /dev /proc /run /run/.containerenv')).toBe(false);
    expect(holds('/ /dev /proc /run/.containerenv.x')).toBe(false);
    expect(holds('/ /proc /run/secrets')).toBe(false);
  });
});
