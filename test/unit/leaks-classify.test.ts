// The leak check tells this run's leaks from what is not: a host's first-use initialisations
// (the /run/netns mount, an interface's first IPv6 link-local address) and a live run's things.
// Anything else — an isolab link's address, another mount, a dead run's leftover — is a leak.
import { describe, it, expect } from 'vitest';
import { diffHost } from '../../src/leaks/diff.js';
import { normalizeRoutes } from '../../src/leaks/normalize.js';
import { isLeak, type HostSnapshot } from '../../src/leaks/types.js';

const empty = (): HostSnapshot =>
  ({ mounts: [], netns: [], links: ['lo', 'eth0', 'docker0'], addresses: [], routes: [], cgroups: [], containers: [],
  networks: [], images: [], iptables: [], nftables: [], sysctls: [], tempdirs: [], processes: [], owned: {} });

describe('leak classification', () => {
  it("a fresh host's first use is not a leak; the same kinds of change elsewhere are", () => {
    const before = empty();
    const after = { ...empty(),
      mounts: ['/run/netns (tmpfs)', '/tmp/isolab-zzzzzz-x (tmpfs)'],
      addresses: ['5: docker0    inet6 fe80::42:64ff:fedb:4eae/64 scope link',
        '9: isolab-zzzz-v    inet6 fe80::1/64 scope link', '5: docker0    inet 10.9.9.9/24 scope global'],
    };
    const d = diffHost(before, after);
    expect(d.filter((l) => !isLeak(l)).map((l) => l.item)).toEqual(['/run/netns (tmpfs)',
      '5: docker0    inet6 fe80::42:64ff:fedb:4eae/64 scope link']);
    expect(d.filter(isLeak).map((l) => l.item)).toEqual(['/tmp/isolab-zzzzzz-x (tmpfs)',
      '9: isolab-zzzz-v    inet6 fe80::1/64 scope link', '5: docker0    inet 10.9.9.9/24 scope global']);
  });

  it("an interface that did not exist before is not a first use: its address is a leak", () => {
    const after = { ...empty(), links: [...empty().links, 'br-0123456789ab'],
      addresses: ['7: br-0123456789ab    inet6 fe80::1/64 scope link'] };
    expect(diffHost(empty(), after).filter(isLeak).map((l) => l.kind)).toEqual(['links', 'addresses']);
  });
});

describe("another live run's container mounts", () => {
  it('are attributed through the container that mounts them; the same mount of no run is a leak', async () => {
    const { anotherRun } = await import('../../src/leaks/owners.js');
    const merged = '/var/lib/docker/overlay2/7b37a6172caf/merged';
    const after = { ...empty(), mounts: [`${merged} (overlay)`, '/run/docker/netns/78c597b0f2d3 (nsfs)'],
      owned: { [merged]: 'zzzzz9', '/run/docker/netns/78c597b0f2d3': 'zzzzz9' } };
    const runs = [{ id: 'zzzzz9', pid: 4242, start: '1', startedAt: '', argv: [], live: true }];
    const [m, n] = diffHost(empty(), after).map((l) => ({ ...l, not: anotherRun(l, empty(), after, runs, 'mememe') }));
    expect(m!.not).toBe("another run's (zzzzz9, pid 4242), still running");
    expect(n!.not).toBe("another run's (zzzzz9, pid 4242), still running");
    expect(anotherRun({ kind: 'mounts', item: '/var/lib/docker/overlay2/ffff/merged (overlay)', change: 'added' },
      empty(), after, runs, 'mememe')).toBeNull();
  });

  // CI: run B's last snapshot caught run A's compose build mid-step (docker 20.10's classic builder):
  // `amazing_bell` and its merged mount, both gone a moment later.
  it("a classic build step's container is another live run's build; with no other run live, a leak", async () => {
    const { anotherRun } = await import('../../src/leaks/owners.js');
    const merged = '/var/lib/docker/overlay2/a31549a217ae/merged';
    const after = { ...empty(), containers: ['amazing_bell'], mounts: [`${merged} (overlay)`],
      owned: { amazing_bell: 'build-step', [merged]: 'build-step' } };
    const live = [{ id: 'pvl3s5', pid: 18636, start: '1', startedAt: '', argv: [], live: true }];
    const diffs = diffHost(empty(), after);
    expect(diffs.map((l) =>
      anotherRun(l, empty(), after, live,
      'mememe'))).toEqual([expect.stringMatching(/build step's container .* run pvl3s5 \(pid 18636\) was live/),
      expect.stringMatching(/build step's/)]);
    expect(diffs.map((l) => anotherRun(l, empty(), after, [], 'mememe'))).toEqual([null, null]);
  });

  it("a veth on the default bridge is another live run's container's; with no other run live, a leak", async () => {
    const { anotherRun, DEFAULT_BRIDGE_VETH } = await import('../../src/leaks/owners.js');
    const after = { ...empty(), links: [...empty().links, 'veth2129f1d'],
      addresses: ['14: veth2129f1d    inet6 fe80::a8f1:2ff:fe3b:9c1e/64 scope link'],
      owned: { veth2129f1d: DEFAULT_BRIDGE_VETH } };
    const live = [{ id: 'egvkzr', pid: 18996, start: '1', startedAt: '', argv: [], live: true }];
    const diffs = diffHost(empty(), after);
    expect(diffs.map((l) => anotherRun(l, empty(), after, live, 'mememe')))
      .toEqual([expect.stringMatching(/veth on the engine's default bridge while run egvkzr \(pid 18996\) was live/),
        expect.stringMatching(/default bridge/)]);
    expect(diffs.map((l) => anotherRun(l, empty(), after, [], 'mememe'))).toEqual([null, null]);
  });

  // Two runs of `cgroups compose` at once: the first's 31 cached layers were guessed to be the
  // second's (untagged while it was live). A layer's label names its run: no guess.
  it("a build cache layer is the run its label names: this run's a leak, another's (live or not) not", async () => {
    const { anotherRun } = await import('../../src/leaks/owners.js');
    const mine = 'sha256:' + 'a'.repeat(64);
    const theirs = 'sha256:' + 'b'.repeat(64);
    const after = { ...empty(), images: [`${mine} <none>:<none>`, `${theirs} <none>:<none>`],
      owned: { [mine]: 'mememe', [theirs]: 'zzzzz7' } };
    const live = [{ id: 'qqqqq1', pid: 5150, start: '1', startedAt: '', argv: [], live: true }];
    const diffs = diffHost(empty(), after);
    // Another run live beside it does not make this run's own layer that run's.
    expect(diffs.map((l) => anotherRun(l, empty(), after, live, 'mememe')))
      .toEqual([null, expect.stringMatching(/^run zzzzz7's build cache \(its label names it\)/)]);
    expect(diffs.map((l) => anotherRun(l, empty(), after, [], 'mememe'))[1]).toMatch(/run zzzzz7's build cache/);
    // Unlabelled and untagged while another run was live: still that run's intermediate, probably.
    const bare = { ...empty(), images: ['sha256:' + 'c'.repeat(64) + ' <none>:<none>'] };
    expect(anotherRun(diffHost(empty(), bare)[0]!, empty(), bare, live, 'mememe')).toMatch(/untagged image built while run qqqqq1/);
  });

  // CI: `hopeful_robinson` was listed, then gone before a second command asked what it was.
  it("whose a container is comes from the listing that names it (lines as docker 20.10's `ps` prints them)", async () => {
    const { containerOwner } = await import('../../src/leaks/owners.js');
    expect(containerOwner('distracted_jennings\tc67fa2a0c09c\t\t')).toEqual({ name: 'distracted_jennings',
      entry: 'distracted_jennings', owner: 'build-step' });
    expect(containerOwner('eager_hugle\tisolab/busybox:latest\tzzzzz9\t')).toEqual({ name: 'eager_hugle',
      entry: 'eager_hugle (isolab-zzzzz9)', owner: 'zzzzz9' });
    expect(containerOwner('web-1\tnginx\t\tisolab-zzzzz8-web')).toMatchObject({ entry: 'web-1', owner: 'zzzzz8' });
    expect(containerOwner('podman quirky_lamarr\tisolab/busybox:latest\t\t')).toEqual({ name: 'quirky_lamarr',
      entry: 'podman quirky_lamarr' });
  });
});

describe('routes', () => {
  // Recorded here: docker0 with no container attached, then with one.
  const down = 'default via 10.0.2.2 dev eth0\n172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 '
    + 'linkdown \nlocal 172.17.0.1 dev docker0 table local proto kernel scope host src 172.17.0.1 \nfe80::/64 dev '
    + 'docker0 proto kernel metric 256 linkdown pref medium\nmulticast ff00::/8 dev docker0 table local proto '
    + 'kernel metric 256 linkdown pref medium\n';
  const up = down.replace(/ linkdown/g, '');
  it("a bridge's carrier going up or down is no change; a route of its own is", () => {
    const snap = (routes: string[]) => ({ ...empty(), routes });
    expect(diffHost(snap(normalizeRoutes(down)), snap(normalizeRoutes(up)))).toEqual([]);
    expect(normalizeRoutes(down).some((r) => r.startsWith('local '))).toBe(false);
    const added = diffHost(snap(normalizeRoutes(up)), snap([...normalizeRoutes(up), '10.99.0.0/24 dev docker0 scope link'])).filter(isLeak);
    expect(added.map((l) => l.item)).toEqual(['10.99.0.0/24 dev docker0 scope link']);
  });
  it("docker0's first carrier adds its IPv6 link-local routes: first use, as its address", () => {
    const first = diffHost({ ...empty(), routes: ['default via 10.0.2.2 dev eth0'] }, { ...empty(), routes: normalizeRoutes(up) });
    expect(first.filter(isLeak).map((l) => l.item)).toEqual(['172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1']);
    expect(first.filter((l) => !isLeak(l))).toHaveLength(2);
  });
});
