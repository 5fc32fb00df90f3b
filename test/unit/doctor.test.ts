// isolab doctor names the real cause of each missing prerequisite, and its fix for that cause.
import { describe, it, expect } from 'vitest';
import { doctorRows } from '../../src/cli/commands/doctor.js';
import type { HostInfo } from '../../src/host/probe.js';

const base = {
  kernel: '6.1.0', arch: 'x86_64', cpus: 2, root: true, cgroup: 'v2', cgroupControllers: {},
  overlay: { supported: true, whiteout: 'chardev' }, iproute2: '6.1.0', iptables: { version: '1.8.9', backend: 'nf_tables' },
  docker: { engine: 'docker 26.1.5', api: '1.45', storageDriver: 'overlay2', cgroupDriver: 'systemd', cgroupVersion: 2, client: '26.1.5' },
  compose: { flavour: 'plugin-v2', version: '2.26.1', command: ['docker', 'compose'] }, builder: 'buildkit',
  images: { busybox: 'isolab/busybox:latest', go: 'isolab/golang:latest' }, registry: false, runc: '1.1.15',
  podman: { usable: false, reason: 'podman not installed' }, qemu: '7.2',
    kvm: { usable: false, reason: 'no /dev/kvm' }, tools: { unshare: true }, foreignBinary: null,
} as unknown as HostInfo;
const row = (h: Partial<HostInfo>, what: string) => doctorRows({ ...base, ...h } as HostInfo).find((r) => r.what === what)!;

describe('isolab doctor', () => {
  it('overlayfs without root: the fix is root, not a kernel module', () => {
    const r = row({ root: false,
      overlay: { supported: false, reason: 'mounting an overlay needs root' } } as Partial<HostInfo>, 'overlayfs');
    expect(r.fix).toMatch(/run as root/);
    expect(r.fix).not.toMatch(/modprobe/);
    expect(row({ overlay: { supported: false, reason: 'unknown filesystem type' } } as Partial<HostInfo>,
      'overlayfs').fix).toBe('modprobe overlay');
  });

  it("the engine's socket refused to this user: the docker group, not provisioning", () => {
    const h = { docker: null,
      dockerReason: 'no engine answers: permission denied while trying to connect to the Docker daemon socket',
      builder: null, images: { busybox: null, go: null } } as Partial<HostInfo>;
    expect(row(h, 'docker engine').fix).toMatch(/docker group/);
    // Not "missing": nothing could be asked.
    expect(row(h, 'base images')).toMatchObject({ good: null, value: expect.stringMatching(/unknown: no engine to ask/) });
    expect(row(h, 'builder').good).toBeNull();
  });

  it('no CLI: provision installs it; a CLI with no daemon: start the engine', () => {
    expect(row({ docker: null, dockerReason: 'docker CLI not installed' } as Partial<HostInfo>,
      'docker engine').fix).toMatch(/provision \(installs/);
    expect(row({ docker: null,
      dockerReason: 'no engine answers: Cannot connect to the Docker daemon' } as Partial<HostInfo>,
      'docker engine').fix).toMatch(/start the engine/);
  });

  it('with an engine, images that are missing are missing, and provisioning builds them', () => {
    const r = row({ images: { busybox: null, go: null } } as Partial<HostInfo>, 'base images');
    expect(r).toMatchObject({ good: false, fix: 'sudo npx isolab provision' });
  });
});
