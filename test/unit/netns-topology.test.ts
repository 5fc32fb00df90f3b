import { describe, it, expect } from 'vitest';
import { validateTopology, type Topology } from '../../src/netns/topology.js';
import { isolated, masquerade, p2pTestbed, holePunch } from '../../suites/netns/topologies.js';

const base: Topology = { name: 't', hosts: ['a', 'b'],
  links: [{ type: 'veth', a: { host: 'a', dev: 'e0', addr: '10.0.0.1/24' }, b: { host: 'b', dev: 'e0', addr: '10.0.0.2/24' } }] };

describe('topology validation', () => {
  it('accepts every declared topology', () => {
    for (const t of [isolated, masquerade(true), masquerade(false), p2pTestbed, holePunch(),
      holePunch({ randomFully: true })]) expect(validateTopology(t)).toEqual([]);
  });
  it.each<[string, (t: Topology) => Topology, RegExp]>([
    ['an unknown host', (t) => ({ ...t, routes: [{ host: 'c', to: 'default', via: '10.0.0.1' }] }), /routes\[0\]\.host: unknown host "c"/],
    ['an address assigned twice',
      (t) => ({ ...t, links: [...t.links,
      { type: 'veth', a: { host: 'a', dev: 'e1', addr: '10.0.0.1/24' }, b: { host: 'b', dev: 'e1' } }] }),
      /links\[1\]\.a\.addr: address 10\.0\.0\.1 is already assigned at links\[0\]\.a\.addr/],
    ['a host linked to itself',
      (t) => ({ ...t, links: [{ type: 'veth', a: { host: 'a', dev: 'x' }, b: { host: 'a', dev: 'y' } }] }),
      /links\[0\]: links host "a" to itself/],
    ['a missing field', (t) =>
      ({ ...t, links: [{ type: 'veth', a: { host: 'a', dev: '' }, b: { host: 'b', dev: 'e0' } } as never] }),
      /links\[0\]\.a\.dev: required/],
    ['a bad address', (t) => ({ ...t, links: [{ type: 'dummy', host: 'a', dev: 'd0', addr: '10.0.0.300/24' }] }),
      /links\[0\]\.addr: "10\.0\.0\.300\/24" is not an IPv4/],
    ['a NAT on a device the host lacks', (t) => ({ ...t, nat: [{ host: 'a', source: '10.0.0.0/24', out: 'wan0' }] }),
      /nat\[0\]\.out: a has no device "wan0"/],
    ['an interface name too long', (t) => ({ ...t, links: [{ type: 'dummy', host: 'a', dev: 'a-very-long-ifname' }] }),
      /not a valid interface name/],
  ])('rejects %s, naming the field', (_, mutate, msg) => {
    expect(validateTopology(mutate(base)).join('\n')).toMatch(msg);
  });
});
