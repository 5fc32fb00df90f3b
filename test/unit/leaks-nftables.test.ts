// nftables in the leak check: rules outside iptables' own tables — podman's netavark table,
// recorded in the trixie guest (podman 5.4.2, netavark): settled after a first container, and
// after a grading run under podman that left its default network's rules behind.
import { readFile } from 'node:fs/promises';
import { describe, it, expect } from 'vitest';
import { diffHost } from '../../src/leaks/diff.js';
import { normalizeNftRuleset } from '../../src/leaks/normalize.js';
import { isLeak, type HostSnapshot } from '../../src/leaks/types.js';

const recorded = (f: string) => readFile(new URL(`./recorded/${f}`, import.meta.url), 'utf8');
const snap = (nftables: string[]): HostSnapshot =>
  ({ mounts: [], netns: [], links: [], addresses: [], routes: [], cgroups: [], containers: [], networks: [],
  images: [], iptables: [], nftables, sysctls: [], tempdirs: [], processes: [], owned: {} });
// What iptables-nft keeps (compared through iptables-save, so left out here).
const IPTABLES_NFT = 'table ip filter {\n\tchain FORWARD {\n\t\ttype filter hook forward priority filter; policy '
  + 'drop;\n\t\tcounter packets 12 bytes 800 jump DOCKER-USER\n\t}\n}\n';

describe('nftables in the leak check', () => {
  it("keeps netavark's rules with their place, drops iptables' tables, counters and handles", async () => {
    const rules = normalizeNftRuleset(IPTABLES_NFT + (await recorded('nft-netavark-network-left.txt')));
    expect(rules.some((r) => r.startsWith('table ip filter'))).toBe(false);
    expect(rules).toContain('table inet netavark');
    expect(rules).toContain('table inet netavark › chain FORWARD: ip saddr 10.88.0.0/16 accept');
    expect(rules).toContain('table inet netavark › chain nv_2f259bab_10_88_0_0_nm16: ip daddr != 224.0.0.0/4 masquerade');
    expect(normalizeNftRuleset('table inet t {\n\tchain c {\n\t\tcounter packets 3 bytes 120 accept # handle '
      + '7\n\t}\n}\n')).toEqual(['table inet t', 'table inet t › chain c', 'table inet t › chain c: counter accept']);
  });

  it("a network's rules left behind are leaks; netavark's own table appearing is podman's first use", async () => {
    const settled = normalizeNftRuleset(await recorded('nft-netavark-settled.txt'));
    const left = normalizeNftRuleset(await recorded('nft-netavark-network-left.txt'));
    const leaks = diffHost(snap(settled), snap(left)).filter(isLeak).map((l) => l.item);
    expect(leaks).toContain('table inet netavark › chain INPUT: ip saddr 10.88.0.0/16 meta l4proto { tcp, udp } th dport 53 accept');
    expect(leaks).toContain('table inet netavark › chain NETAVARK-ISOLATION-3: oifname "podman0" drop');
    expect(leaks).toContain('table inet netavark › chain nv_2f259bab_10_88_0_0_nm16');
    expect(leaks).toHaveLength(8);
    // From nothing to the settled table: first use, not a leak; with the network's rules: those are.
    const first = diffHost(snap([]), snap(settled));
    expect(first.length).toBeGreaterThan(10);
    expect(first.filter(isLeak)).toEqual([]);
    expect(diffHost(snap([]), snap(left)).filter(isLeak)).toHaveLength(8);
    // A rule removed from the host's own table counts too.
    expect(diffHost(snap(left), snap(settled)).filter(isLeak).every((l) => l.change === 'removed')).toBe(true);
  });
});
