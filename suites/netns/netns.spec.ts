// The lecture's network part: namespaces, the veth pair, MASQUERADE, the P2P testbed, UDP
// hole punching and docker's bridge — each built from a declared topology, all inside
// namespaces the suite created.
import { resourceName } from '../../src/core/names.js';
import { claim } from '../../src/claims/claim.js';
import { tcpExchange, ping, masqueradePackets, udpHolePunch, unsolicited } from '../../src/netns/probes.js';
import { runContainer, createNetwork, docker, waitExit } from '../../src/docker/cli.js';
import { BASE_TAGS } from '../../src/docker/base-images.js';
import { isolated, masquerade, p2pTestbed, holePunch, rendezvous, peers } from './topologies.js';

import { build, NEEDS } from './build.js';

claim('netns.isolated', { needs: [...NEEDS] }, async (c) => {
  const net = await build(c, isolated);
  const links = (await net.exec('lonely', ['ip', '-o', 'link', 'show'])).stdout.trim().split('\n').map((l) => l.split(':')[1]!.trim());
  const routes = (await net.exec('lonely', ['ip', 'route', 'show'])).stdout.trim();
  const reach = await tcpExchange(net, { host: 'server', port: 7000 }, { host: 'lonely', target: '10.9.9.1' }, 'anyone?', 1500);
  const control = await ping(net, 'peer', '10.9.9.1');
  c.evidence({ summary: `a new namespace has links [${links.join(', ')}], ${routes ? 'routes' : 'no routes'}; `
    + `connecting to 10.9.9.1 fails with ${reach.clientError} (a linked peer reaches it: ${control.ok})`, links,
    routes, attempt: reach, linkedPeerReaches: control });
  c.verify([
    { ok: links.length === 1 && links[0] === 'lo', what: 'only the loopback link', expected: ['lo'], actual: links },
    { ok: routes === '', what: 'no routes', expected: '', actual: routes },
    { ok: !reach.delivered && reach.clientError === 'ENETUNREACH', what: 'reaches nothing outside',
      expected: 'ENETUNREACH', actual: reach.delivered ? 'delivered' : reach.clientError },
    { ok: control.ok, what: 'the server is up (a linked peer reaches it)', expected: true, actual: control.ok },
  ]);
});

claim('netns.masquerade', { needs: [...NEEDS] }, async (c) => {
  const natted = await build(c, masquerade(true));
  const before = await masqueradePackets(natted, 'router');
  const via = await tcpExchange(natted, { host: 'wan', port: 8080 }, { host: 'lan', target: '203.0.113.2' }, 'from the lan');
  const counted = (await masqueradePackets(natted, 'router')) - before;
  await natted.destroy();
  const plain = await build(c, masquerade(false));
  const without = await tcpExchange(plain, { host: 'wan', port: 8080 }, { host: 'lan', target: '203.0.113.2' }, 'from the lan', 1500);
  c.evidence({
    summary: `with MASQUERADE the wan server saw ${via.from} (not 10.1.1.2), rule counted ${counted} packet(s); `
      + `without the rule: ${without.delivered ? 'delivered' : `no connection (${without.clientError})`}`,
    withRule: via, maskedPackets: counted, withoutRule: without,
  });
  c.verify([
    { ok: via.delivered, what: 'the lan host reaches the wan server', expected: 'delivered',
      actual: via.delivered ? 'delivered' : via.clientError },
    { ok: via.from === '203.0.113.1', what: "the server sees the router's wan address", expected: '203.0.113.1', actual: via.from },
    { ok: counted >= 1, what: 'the NAT rule counts the translation', expected: '≥ 1 packet', actual: counted },
    { ok: !without.delivered, what: 'without the rule (no route back) it fails', expected: 'not delivered',
      actual: without.delivered ? `delivered from ${without.from}` : without.clientError },
  ]);
});

claim('netns.p2p-testbed', { needs: [...NEEDS] }, async (c) => {
  const net = await build(c, p2pTestbed);
  const unrRoutes = (await net.exec('unr', ['ip', 'route', 'show'])).stdout.trim();
  const hostToNatLan = await ping(net, 'host', '172.20.0.1');
  const out = await tcpExchange(net, { host: 'host', port: 9000 },
    { host: 'unr', target: '10.0.2.16', from: '172.20.0.2' }, 'peer unr1 calling out');
  const inbound = await tcpExchange(net, { host: 'unr', port: 9001 }, { host: 'host', target: '172.20.0.2' }, 'knock knock', 1500);
  c.evidence({
    summary: `unr1 (172.20.0.2) reached the host, which saw ${out.from}; the host opening a connection to `
      + `172.20.0.2: ${inbound.delivered ? 'delivered' : inbound.clientError}`
      + (net.substitutions.length ? `; note: ${net.substitutions.join('; ')}` : ''),
    unrRoutes, hostPingsNatLan: hostToNatLan, outbound: out, inbound, substitutions: net.substitutions,
  });
  c.verify([
    { ok: /^default via 172\.20\.0\.1 dev nat_lan/m.test(unrRoutes), what: 'unr has the default gw 172.20.0.1',
      expected: 'default via 172.20.0.1 dev nat_lan', actual: unrRoutes },
    { ok: hostToNatLan.ok, what: 'the host route to 172.20.0.1 via nat_wan works', expected: 'ping ok', actual: hostToNatLan.output },
    { ok: out.delivered && out.from === '172.20.0.1', what: 'the peer inside reaches the outside, NATed',
      expected: 'delivered from 172.20.0.1', actual: out.delivered ? `delivered from ${out.from}` : out.clientError },
    { ok: !inbound.delivered, what: 'the outside cannot open a connection to the peer', expected: 'not delivered',
      actual: inbound.delivered ? 'delivered' : inbound.clientError },
  ]);
});

claim('netns.hole-punch', { scenario: 'two peers behind MASQUERADE NATs', needs: [...NEEDS], timeoutMs: 150_000 }, async (c) => {
  const net = await build(c, holePunch());
  const r = await udpHolePunch(net, rendezvous, peers);
  const p1 = r.peers.peer1!;
  const p2 = r.peers.peer2!;
  const mapped = (pub: string | undefined, priv: number) =>
    (pub ? (pub.endsWith(`:${priv}`) ? 'port kept' : `port changed to ${pub.split(':')[1]}`) : 'unknown');
  c.evidence({
    summary: `rendezvous saw peer1 as ${r.rendezvous.peer1} (${mapped(r.rendezvous.peer1, peers.peer1)}) and peer2 `
      + `as ${r.rendezvous.peer2} (${mapped(r.rendezvous.peer2, peers.peer2)}), then exited; peer1 `
      + `got ${p1.received.length} datagram(s) from ${p1.received[0]?.from ?? '—'}, peer2 got ${p2.received.length} `
      + `from ${p2.received[0]?.from ?? '—'}`,
    ...r,
    mapping: { peer1: mapped(r.rendezvous.peer1, peers.peer1), peer2: mapped(r.rendezvous.peer2, peers.peer2) },
    pitfalls: 'the NATs drop unsolicited inbound before conntrack confirms it, so an early packet from the other '
      + 'peer leaves no stale entry that would force a new mapping',
  });
  c.verify([
    { ok: r.rendezvous.peer1?.startsWith('1.2.3.4:') ?? false,
      what: "the rendezvous sees peer1 as NAT 1's public address", expected: '1.2.3.4:*', actual: r.rendezvous.peer1 },
    { ok: r.rendezvous.peer2?.startsWith('4.5.6.7:') ?? false,
      what: "the rendezvous sees peer2 as NAT 2's public address", expected: '4.5.6.7:*', actual: r.rendezvous.peer2 },
    { ok: r.rendezvousGone, what: 'the rendezvous is gone before the peers talk (it relays nothing)', expected: true,
      actual: r.rendezvousGone },
    { ok: p1.received.some((m) => m.from === r.rendezvous.peer2 && m.data === 'hello from peer2'),
      what: 'peer1 gets datagrams straight from peer2', expected: `from ${r.rendezvous.peer2}`, actual: p1.received[0]?.from ?? 'nothing' },
    { ok: p2.received.some((m) => m.from === r.rendezvous.peer1 && m.data === 'hello from peer1'),
      what: 'peer2 gets datagrams straight from peer1', expected: `from ${r.rendezvous.peer1}`, actual: p2.received[0]?.from ?? 'nothing' },
  ]);
});

claim('netns.hole-punch', { scenario: 'a peer that never sends is unreachable', needs: [...NEEDS] }, async (c) => {
  const net = await build(c, holePunch());
  const r = await unsolicited(net, { host: 'peer2', port: peers.peer2 },
    { host: 'peer1', port: peers.peer1, target: `4.5.6.7:${peers.peer2}` });
  c.evidence({ summary: `peer1 sent ${r.sent} datagrams to 4.5.6.7:${peers.peer2} while the silent peer2 listened; `
    + `it received ${r.received}`, ...r });
  c.verify([
    // Otherwise "nothing arrived" could be a blast sent after the listener had gone (a slow host).
    { ok: r.sent === 10 && r.listening, what: 'peer1 sent its datagrams while peer2 listened',
      expected: '10 sent, listening', actual: `${r.sent} sent, ${r.listening ? 'listening' : 'gone'}` },
    { ok: r.received === 0, what: 'nothing reaches a peer that never sent outbound', expected: 0, actual: r.received },
  ]);
});

claim('netns.hole-punch', { scenario: 'MASQUERADE --random-fully breaks it', needs: [...NEEDS], timeoutMs: 150_000 }, async (c) => {
  const net = await build(c, holePunch({ randomFully: true }));
  const r = await udpHolePunch(net, rendezvous, peers, 3000);
  const got = r.peers.peer1!.received.length + r.peers.peer2!.received.length;
  c.evidence({ summary: `with --random-fully the rendezvous saw ${r.rendezvous.peer1} and ${r.rendezvous.peer2}; `
    + `the peers exchanged ${got} datagram(s): each new destination gets a new random port, so the advertised one is wrong`, ...r });
  c.verify([
    // Otherwise "nothing crossed" could mean nothing was even tried (a slow host, a broken router).
    { ok: !!r.rendezvous.peer1 && !!r.rendezvous.peer2,
      what: 'the rendezvous saw both peers (the punch was attempted)', expected: 'two public mappings',
      actual: `${r.rendezvous.peer1} and ${r.rendezvous.peer2}` },
    { ok: got === 0, what: 'no datagram crosses when every mapping gets a random port', expected: 0, actual: got },
  ]);
});

// A bound, not a measurement: under emulation (trixie, TCG) its containers took 88.9 s of 90.
claim('netns.docker-bridge', { needs: ['root', 'docker', 'image.busybox'], timeoutMs: 180_000 }, async (c) => {
  const network = await createNetwork(c.ledger, 'bridge');
  // -i: busybox nc -l ends at EOF on its stdin, and a detached container's stdin is at EOF —
  // under load it could end before reading the client's line (exit 0, an empty log).
  const server = await runContainer(c.ledger, 'server1',
    ['-i', '--network', network, '--network-alias', 'server1', BASE_TAGS.busybox, 'sh', '-c', 'exec nc -l -p 8081']);
  const client = await runContainer(c.ledger, 'client', ['--network', network, BASE_TAGS.busybox, 'sh', '-c',
    'for i in $(seq 50); do echo hallo | nc server1 8081 && exit 0; sleep 0.1; done; exit 1']);
  const cr = await waitExit(client.name, 20_000);
  const sr = await waitExit(server.name, 10_000).catch((e: Error) => ({ exitCode: -1, oomKilled: false, logs: e.message }));
  const none = await runContainer(c.ledger, 'isolated',
    ['--network', 'none', BASE_TAGS.busybox, 'sh', '-c', 'ip -o link; echo hallo | nc -w 2 server1 8081; echo "nc exit $?"']);
  const nr = await waitExit(none.name, 20_000);
  const dns = await docker(['run', '--rm', '--name', resourceName('nslookup'), '--network', network, BASE_TAGS.busybox,
    'nslookup', 'server1'], { check: false, timeoutMs: 30_000 });
  c.evidence({
    summary: `on ${network}, the client reached "server1" by name (server got "${sr.logs.trim()}"); on --network `
      + `none: ${nr.logs.trim().split('\n').pop()}`,
    client: cr, server: sr, networkNone: nr, nslookup: dns.stdout.trim(),
  });
  c.verify([
    { ok: cr.exitCode === 0, what: 'the client connects to server1 by name', expected: 'exit 0',
      actual: `exit ${cr.exitCode}: ${cr.logs.trim()}` },
    { ok: sr.logs.includes('hallo'), what: 'server1 receives "hallo"', expected: 'hallo',
      actual: `exit ${sr.exitCode}: "${sr.logs.trim()}"` },
    { ok: /nc exit [1-9]/.test(nr.logs) && !/eth0/.test(nr.logs),
      what: 'a container on --network none reaches nothing (only lo)', expected: 'nc fails, no eth0', actual: nr.logs.trim() },
  ]);
});
