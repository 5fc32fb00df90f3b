import { describe, it, expect } from 'vitest';
import { parseCgroupMounts, cgroupMode, parseIptablesVersion, parseIproute2Version, parseComposeVersion, builderKind,
  versionAtLeast } from '../../src/host/parsers.js';

// Recorded on this machine (hybrid: v1 controllers + cgroup2 at unified).
const HYBRID = `
35 26 0:30 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
36 35 0:31 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
37 35 0:32 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
38 35 0:33 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 35 0:34 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 35 0:35 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 35 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
// GitHub ubuntu-24.04 runner: pure v2.
const V2 = `30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

describe('cgroup mode', () => {
  it('hybrid: v1 controllers beside cgroup2', () => {
    const m = parseCgroupMounts(HYBRID);
    expect(cgroupMode(m)).toBe('hybrid');
    expect(m.find((x) => x.path === '/sys/fs/cgroup/cpu')?.controllers).toEqual(['cpu']);
    expect(m.find((x) => x.path.endsWith('systemd'))?.controllers).toEqual([]);
  });
  it('v2 only', () => expect(cgroupMode(parseCgroupMounts(V2))).toBe('v2'));
  it('v1 only (no cgroup2 mount)', () => expect(cgroupMode(parseCgroupMounts(HYBRID.split('\n').slice(0, -1).join('\n')))).toBe('v1'));
  it('none', () => expect(cgroupMode(parseCgroupMounts('1 0 0:1 / / rw - ext4 /dev/vda rw'))).toBe('none'));
});

describe('tool versions', () => {
  it('iptables backend', () => {
    expect(parseIptablesVersion('iptables v1.8.9 (nf_tables)')).toEqual({ version: '1.8.9', backend: 'nf_tables' });
    expect(parseIptablesVersion('iptables v1.8.7 (legacy)')).toEqual({ version: '1.8.7', backend: 'legacy' });
    expect(parseIptablesVersion('iptables v1.6.1')).toEqual({ version: '1.6.1', backend: 'legacy' });
    expect(parseIptablesVersion('garbage')).toBeNull();
  });
  it('iproute2', () => {
    expect(parseIproute2Version('ip utility, iproute2-6.1.0, libbpf 1.1.2')).toBe('6.1.0');
    expect(parseIproute2Version('ip utility, iproute2-ss200127')).toBe('200127');
  });
  it('compose flavours', () => {
    expect(parseComposeVersion('1.29.2\n', 'standalone')).toEqual({ flavour: 'standalone-v1', version: '1.29.2' });
    expect(parseComposeVersion('v2.27.0', 'standalone')).toEqual({ flavour: 'standalone-v2', version: '2.27.0' });
    expect(parseComposeVersion('2.29.7', 'plugin')).toEqual({ flavour: 'v2-plugin', version: '2.29.7' });
    expect(parseComposeVersion('podman-compose version 1.0.6', 'podman')).toEqual({ flavour: 'podman-compose', version: '1.0.6' });
    expect(parseComposeVersion('podman version 5.4.2\npodman-compose version 1.3.0\n',
      'podman')).toEqual({ flavour: 'podman-compose', version: '1.3.0' });
    expect(parseComposeVersion('', 'plugin')).toBeNull();
  });
  it('builder: legacy engine 20.10, BuildKit on 23+ with buildx or when forced', () => {
    expect(builderKind({ buildx: false, engine: '20.10.24+dfsg1' })).toBe('legacy');
    expect(builderKind({ buildx: true, engine: '20.10.24' })).toBe('legacy');
    expect(builderKind({ buildx: true, engine: '27.5.1' })).toBe('buildkit');
    expect(builderKind({ env: '1', buildx: false, engine: '20.10.24' })).toBe('buildkit');
    expect(builderKind({ env: '0', buildx: true, engine: '27.5.1' })).toBe('legacy');
  });
  it('version compare', () => {
    expect(versionAtLeast('20.10.24+dfsg1', '20.10.0')).toBe(true);
    expect(versionAtLeast('20.10.24', '23.0.0')).toBe(false);
  });
});
