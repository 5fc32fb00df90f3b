// Negative controls for the netns claims: the checks fail where isolation or NAT is absent,
// and an invalid topology is refused before anything is created.
import { describe, it, expect, afterEach } from 'vitest';
import { Ledger } from '../../src/core/ledger.js';
import { run } from '../../src/core/exec.js';
import { buildTopology } from '../../src/netns/build.js';
import { TopologyError } from '../../src/netns/topology.js';
import { tcpExchange, udpHolePunch } from '../../src/netns/probes.js';
import { masquerade, holePunch, rendezvous, peers } from '../../suites/netns/topologies.js';
import { requireRoot } from './gate.js';
import { readFile } from 'node:fs/promises';

const ledger = new Ledger('netns-controls');
afterEach(async () => void (await ledger.undoAll()));
const netnsCount = async () => (await run('ip', ['netns', 'list'])).stdout.split('\n').filter(Boolean).length;

describe.skipIf(!requireRoot())('netns negative controls', () => {
  it('the host namespace is not isolated: more than lo, and routes', async () => {
    const links = (await run('ip', ['-o', 'link', 'show'])).stdout.trim().split('\n');
    const routes = (await run('ip', ['route', 'show'])).stdout.trim();
    expect(links.length).toBeGreaterThan(1);
    expect(routes).not.toBe('');
  });

  it('without the MASQUERADE rule the server never sees the router as source', async () => {
    const net = await buildTopology(ledger, masquerade(false));
    const r = await tcpExchange(net, { host: 'wan', port: 8080 }, { host: 'lan', target: '203.0.113.2' }, 'x', 1000);
    expect(r.from).not.toBe('203.0.113.1');
    expect(r.delivered).toBe(false);
  });

  it('without NAT on the routers there is no public mapping to punch', async () => {
    const t = holePunch();
    const net = await buildTopology(ledger, { ...t, nat: [] });
    // No introduction is expected: registration gets 8 s, not the 60 s a slow host may need to
    // start — and the rendezvous must have heard both peers (from their private addresses), so
    // the empty result is not a peer that never started.
    const r = await udpHolePunch(net, rendezvous, peers, 2000, 8000);
    expect(Object.keys(r.registered).sort()).toEqual(['peer1', 'peer2']);
    expect(Object.values(r.registered).join(' ')).not.toMatch(/1\.2\.3\.4:/);
    expect(r.rendezvous.peer1 ?? '').not.toMatch(/^1\.2\.3\.4:/);
    expect(r.peers.peer1!.received.length + r.peers.peer2!.received.length).toBe(0);
  });

  // A new namespace copies the host's IPv4 settings: on a host that forwards (Docker sets it),
  // a router left out of `forwarding` would forward anyway unless the build writes it off.
  it('an undeclared router does not forward, whatever the host does', async () => {
    const hostForward = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
    const off = await buildTopology(ledger, { ...masquerade(true), name: 'no-forwarding', forwarding: [] });
    expect(off.settings.router).toMatchObject({ ipForward: '0', rpFilter: '0' });
    if (off.settings.router!.ipv6Forwarding !== null) expect(off.settings.router!.ipv6Forwarding).toBe('0');
    const blocked = await tcpExchange(off, { host: 'wan', port: 8080 }, { host: 'lan', target: '203.0.113.2' }, 'x', 1000);
    expect(blocked.delivered).toBe(false);
    await off.destroy();
    const on = await buildTopology(ledger, masquerade(true));
    expect(on.settings.router).toMatchObject({ ipForward: '1' });
    expect(on.settings.lan).toMatchObject({ ipForward: '0' });
    const through = await tcpExchange(on, { host: 'wan', port: 8080 }, { host: 'lan', target: '203.0.113.2' }, 'x');
    expect(through.delivered, `host ip_forward=${hostForward}`).toBe(true);
  });

  it('an invalid topology is refused before any namespace exists', async () => {
    const before = await netnsCount();
    const bad = { ...masquerade(true), routes: [{ host: 'nowhere', to: 'default', via: '10.1.1.1' }] };
    await expect(buildTopology(ledger, bad)).rejects.toBeInstanceOf(TopologyError);
    expect(await netnsCount()).toBe(before);
  });
});
