// The leak check tells this run's leaks from what is not: a host's first-use initialisations
// (the /run/netns mount, an interface's first IPv6 link-local address) and a live run's things.
// Anything else — an isolab link's address, another mount, a dead run's leftover — is a leak.
import { describe, it, expect } from 'vitest';
import { diffHost, isLeak, type HostSnapshot } from '../../src/core/leaks.js';

const empty = (): HostSnapshot => ({ mounts: [], netns: [], links: ['lo', 'eth0', 'docker0'], addresses: [], routes: [], cgroups: [], containers: [], networks: [], images: [], iptables: [], nftables: [], sysctls: [], tempdirs: [], processes: [], owned: {} });

describe('leak classification', () => {
  it("a fresh host's first use is not a leak; the same kinds of change elsewhere are", () => {
    const before = empty();
    const after = { ...empty(),
      mounts: ['/run/netns (tmpfs)', '/tmp/isolab-zzzzzz-x (tmpfs)'],
      addresses: ['5: docker0    inet6 fe80::42:64ff:fedb:4eae/64 scope link', '9: isolab-zzzz-v    inet6 fe80::1/64 scope link', '5: docker0    inet 10.9.9.9/24 scope global'],
    };
    const d = diffHost(before, after);
    expect(d.filter((l) => !isLeak(l)).map((l) => l.item)).toEqual(['/run/netns (tmpfs)', '5: docker0    inet6 fe80::42:64ff:fedb:4eae/64 scope link']);
    expect(d.filter(isLeak).map((l) => l.item)).toEqual(['/tmp/isolab-zzzzzz-x (tmpfs)', '9: isolab-zzzz-v    inet6 fe80::1/64 scope link', '5: docker0    inet 10.9.9.9/24 scope global']);
  });

  it("an interface that did not exist before is not a first use: its address is a leak", () => {
    const after = { ...empty(), links: [...empty().links, 'br-0123456789ab'], addresses: ['7: br-0123456789ab    inet6 fe80::1/64 scope link'] };
    expect(diffHost(empty(), after).filter(isLeak).map((l) => l.kind)).toEqual(['links', 'addresses']);
  });
});

describe("another live run's container mounts", () => {
  it('are attributed through the container that mounts them; the same mount of no run is a leak', async () => {
    const { anotherRun } = await import('../../src/core/leaks.js');
    const merged = '/var/lib/docker/overlay2/7b37a6172caf/merged';
    const after = { ...empty(), mounts: [`${merged} (overlay)`, '/run/docker/netns/78c597b0f2d3 (nsfs)'], owned: { [merged]: 'zzzzz9', '/run/docker/netns/78c597b0f2d3': 'zzzzz9' } };
    const runs = [{ id: 'zzzzz9', pid: 4242, start: '1', startedAt: '', argv: [], live: true }];
    const [m, n] = diffHost(empty(), after).map((l) => ({ ...l, not: anotherRun(l, empty(), after, runs, 'mememe') }));
    expect(m!.not).toBe("another run's (zzzzz9, pid 4242), still running");
    expect(n!.not).toBe("another run's (zzzzz9, pid 4242), still running");
    expect(anotherRun({ kind: 'mounts', item: '/var/lib/docker/overlay2/ffff/merged (overlay)', change: 'added' }, empty(), after, runs, 'mememe')).toBeNull();
  });
});
