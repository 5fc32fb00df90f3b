// The lecture's network slides as topologies. Every address lives inside namespaces the suite
// creates; where the slides use the host (nat_wan, `-o enp9s0`), a "host" or "wan" namespace
// plays it. 203.0.113.0/24 (TEST-NET-3) plays the internet and never leaves them.
import type { Topology } from '../../src/netns/topology.js';

/** A lone namespace, and a server elsewhere it must not reach. */
export const isolated: Topology = {
  name: 'isolated',
  hosts: ['lonely', 'server', 'peer'],
  links: [{ type: 'veth', a: { host: 'server', dev: 'eth0', addr: '10.9.9.1/24' }, b: { host: 'peer', dev: 'eth0', addr: '10.9.9.2/24' } }],
};

/** The lecture's MASQUERADE, with a router namespace instead of the real NIC. */
export function masquerade(withNat: boolean): Topology {
  return {
    name: withNat ? 'masquerade' : 'masquerade-without-rule',
    hosts: ['lan', 'router', 'wan'],
    links: [
      { type: 'veth', a: { host: 'lan', dev: 'eth0', addr: '10.1.1.2/24' }, b: { host: 'router', dev: 'lan0', addr: '10.1.1.1/24' } },
      { type: 'veth', a: { host: 'router', dev: 'wan0', addr: '203.0.113.1/24' }, b: { host: 'wan', dev: 'eth0', addr: '203.0.113.2/24' } },
    ],
    routes: [{ host: 'lan', to: 'default', via: '10.1.1.1' }],
    forwarding: ['router'],
    nat: withNat ? [{ host: 'router', source: '10.1.1.0/24', out: 'wan0' }] : [],
  };
}

/** The slides' P2P testbed, as typed there; "host" is a sandbox namespace playing the host. */
export const p2pTestbed: Topology = {
  name: 'p2p-testbed',
  hosts: ['host', 'unr'],
  links: [
    { type: 'veth', a: { host: 'unr', dev: 'nat_lan', addr: '172.20.0.1/24' }, b: { host: 'host', dev: 'nat_wan', addr: '10.0.2.16/24' } },
    { type: 'dummy', host: 'unr', dev: 'unr1', addr: '172.20.0.2/24' },
  ],
  routes: [
    { host: 'unr', to: 'default', via: '172.20.0.1' },
    { host: 'host', to: '172.20.0.1', dev: 'nat_wan' },
  ],
  // "once NAT is in place": the peer's address leaves as nat_lan's, which the host can route to.
  nat: [{ host: 'unr', source: '172.20.0.2/32', out: 'nat_lan' }],
};

/**
 * Hole punching: two peers, each behind its own Linux MASQUERADE NAT (a home router that
 * drops unsolicited inbound), and a rendezvous server on the public side. The lecture's
 * example addresses: NAT 1 is 1.2.3.4 with peer 192.168.1.2:4000, NAT 2 is 4.5.6.7 with
 * peer 10.0.0.2:5000 — here inside namespaces only.
 */
export function holePunch(opts: { randomFully?: boolean } = {}): Topology {
  return {
    name: opts.randomFully ? 'hole-punch-random-fully' : 'hole-punch',
    hosts: ['peer1', 'nat1', 'inet', 'nat2', 'peer2'],
    links: [
      { type: 'veth', a: { host: 'peer1', dev: 'eth0', addr: '192.168.1.2/24' }, b: { host: 'nat1', dev: 'lan0', addr: '192.168.1.1/24' } },
      { type: 'veth', a: { host: 'nat1', dev: 'wan0', addr: '1.2.3.4/24' }, b: { host: 'inet', dev: 'to-nat1', addr: '1.2.3.1/24' } },
      { type: 'veth', a: { host: 'peer2', dev: 'eth0', addr: '10.0.0.2/24' }, b: { host: 'nat2', dev: 'lan0', addr: '10.0.0.1/24' } },
      { type: 'veth', a: { host: 'nat2', dev: 'wan0', addr: '4.5.6.7/24' }, b: { host: 'inet', dev: 'to-nat2', addr: '4.5.6.1/24' } },
    ],
    routes: [
      { host: 'peer1', to: 'default', via: '192.168.1.1' },
      { host: 'nat1', to: 'default', via: '1.2.3.1' },
      { host: 'peer2', to: 'default', via: '10.0.0.1' },
      { host: 'nat2', to: 'default', via: '4.5.6.1' },
    ],
    forwarding: ['nat1', 'inet', 'nat2'],
    nat: [
      { host: 'nat1', source: '192.168.1.0/24', out: 'wan0', randomFully: opts.randomFully },
      { host: 'nat2', source: '10.0.0.0/24', out: 'wan0', randomFully: opts.randomFully },
    ],
    firewall: [{ host: 'nat1', wanDev: 'wan0' }, { host: 'nat2', wanDev: 'wan0' }],
  };
}

/** The rendezvous server sits on the "internet" router, at its address toward nat1. */
export const rendezvous = { host: 'inet', address: '1.2.3.1', port: 3478 };
export const peers = { peer1: 4000, peer2: 5000 };
