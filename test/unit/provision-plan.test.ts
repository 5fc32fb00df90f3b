// `isolab provision` as a plan read without running it: what a fresh host gets, what a ready one
// (or a runner with its own engine, or a host with a registry) does not, and the package recipe
// the host shares with the guests.
import { describe, it, expect } from 'vitest';
import { packagesPlan, enginePlan, imagesPlan, vmPlan, settlePlan, wantedPackages, type HostFacts } from '../../src/provision/plan.js';
import { SUITE_TOOLS } from '../../src/provision/packages.js';
import { GUESTS } from '../../src/guest/recipe.js';

const opts = { go: true, vm: true, tmp: '/tmp/isolab-provision-x' };
const fresh: HostFacts = {
  installed: [], dockerd: false, engineUp: false, composeUp: false, registry: false,
  busybox: { path: '/bin/busybox', hash: '3d9f2889d678' }, images: [], goVersion: '2:1.19~1', mirror: 'http://deb.debian.org/debian',
  vm: { ready: false, kernelPackage: 'linux-image-6.1.0-56-cloud-amd64', foreign: false },
};
const ready: HostFacts = {
  ...fresh, installed: wantedPackages(fresh, opts), dockerd: true, engineUp: true, composeUp: true,
  images: ['isolab/busybox:3d9f2889d678', 'isolab/golang:f31e3f08ab83'],
    vm: { ready: true, kernelPackage: 'linux-image-6.1.0-56-cloud-amd64', foreign: true },
};
const titles = (s: Array<{ title: string }>) => s.map((x) => x.title);

describe('provision plan', () => {
  it('a fresh host: packages with an engine, dockerd started, both base images built, the VM kernel', () => {
    const apt = packagesPlan(fresh, opts);
    expect(apt.map((s) => s.argv![1])).toEqual(['update', 'install']);
    expect(apt[1]!.argv).toEqual(expect.arrayContaining(['docker.io', 'docker-compose', 'debootstrap',
      'qemu-system-x86', 'qemu-user', ...SUITE_TOOLS]));
    expect(enginePlan(fresh)).toEqual([expect.objectContaining({ argv: ['dockerd'],
      background: expect.objectContaining({ readyWithinMs: 30_000 }) })]);
    expect(titles(imagesPlan(fresh, opts, 'f31e3f08ab83'))).toEqual([
      'busybox rootfs', 'import isolab/busybox:3d9f2889d678 (busybox-static rootfs)',
        'tag isolab/busybox:3d9f2889d678 as isolab/busybox:latest, alpine:latest and busybox:latest (no registry reachable)',
      'debootstrap bookworm with golang-go from http://deb.debian.org/debian (about a minute)',
        'drop its package cache', 'import isolab/golang:f31e3f08ab83',
      'tag isolab/golang:f31e3f08ab83 as isolab/golang:latest and golang:alpine (no registry reachable)',
    ]);
    expect(titles(vmPlan(fresh, opts))[0]).toBe('download linux-image-6.1.0-56-cloud-amd64');
    // the emulation claim's arm64 busybox: through apt with a state of its own, never the host's dpkg
    expect(titles(vmPlan(fresh, opts)).slice(-2)).toEqual(['download busybox-static for arm64',
      'unpack its busybox as /var/cache/isolab/vm/busybox-arm64']);
    expect(vmPlan(fresh, opts).at(-2)!.argv!.join(' ')).toMatch(/Dir::State::status=.*APT::Architecture=arm64/);
    expect(titles(vmPlan({ ...ready, vm: { ...ready.vm, foreign: false } },
      opts))).toEqual(['download busybox-static for arm64', 'unpack its busybox as /var/cache/isolab/vm/busybox-arm64']);
    // every command is bounded
    const all = [...apt, ...imagesPlan(fresh, opts, 'f31e3f08ab83'), ...vmPlan(fresh, opts), ...settlePlan('zzzzz0')];
    expect(all.filter((s) => s.argv).every((s) => (s.timeoutMs ?? 120_000) > 0)).toBe(true);
  });

  it('a ready host: nothing to install, start or build — tags and the settle step only', () => {
    expect(packagesPlan(ready, opts)).toEqual([]);
    expect(enginePlan(ready)).toEqual([]);
    expect(imagesPlan(ready, opts, 'f31e3f08ab83').every((s) => s.title.startsWith('tag '))).toBe(true);
    expect(vmPlan(ready, opts)).toEqual([]);
    expect(titles(settlePlan('zzzzz0'))).toEqual(['first use of ip netns (/run/netns becomes a mount)',
      'first container on the default bridge (docker0 up)']);
  });

  it("a runner's own engine and compose are kept; with a registry, no offline Go image and no alpine tag", () => {
    const runner = { ...fresh, dockerd: true, engineUp: true, composeUp: true, registry: true };
    expect(packagesPlan(runner, opts)[1]!.argv).not.toContain('docker.io');
    expect(packagesPlan(runner, opts)[1]!.argv).not.toContain('docker-compose');
    expect(titles(imagesPlan(runner, opts, 'f31e3f08ab83')).join(' ')).not.toMatch(/golang|alpine/);
    // The egress proxy is compiled there from the registry's Go image, here from the offline one; kept once built.
    const egress = (f: HostFacts) => imagesPlan(f, opts, 'f31e3f08ab83', '8bde44cd8e50').filter((s) => /egress|build stage/.test(s.title));
    expect(egress(runner)[0]!.argv).toContain('GO=golang:alpine');
    expect(egress(fresh)[0]!.argv).toContain('GO=isolab/golang:latest');
    expect(titles(egress({ ...ready, images: [...ready.images, 'isolab/egress:8bde44cd8e50'] })))
      .toEqual(['tag isolab/egress:8bde44cd8e50 as isolab/egress:latest']);
    expect(packagesPlan(fresh, { ...opts, go: false, vm: false })[1]!.argv).not.toContain('qemu-system-x86');
  });

  it('bad input names what is missing', () => {
    expect(() => imagesPlan({ ...fresh, busybox: null }, opts, 'x')).toThrow(/busybox-static is not installed/);
    expect(() => imagesPlan({ ...fresh, mirror: null }, opts, 'x')).toThrow(/no Debian mirror.*ISOLAB_MIRROR/);
    expect(() => vmPlan({ ...fresh, vm: { ready: false, kernelPackage: null, foreign: false } }, opts)).toThrow(/no kernel image package/);
  });

  it('host and guests share one recipe: the suites\' tools are in both', () => {
    for (const g of Object.values(GUESTS)) expect(g.packages).toEqual(expect.arrayContaining(SUITE_TOOLS));
    expect(wantedPackages(fresh, opts)).toEqual(expect.arrayContaining(SUITE_TOOLS));
  });
});
