#!/usr/bin/env node
// The probe agent, run inside a network namespace (`ip netns exec NS node agent.mjs …`).
// Plain JavaScript so it starts with any node, no loader. Prints one JSON line per event.
// Every mode ends by itself: a deadline bounds it, whatever the network does.
import net from 'node:net';
import dgram from 'node:dgram';

const [mode, ...args] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const deadline = (ms, what) => setTimeout(() => { say({ event: 'timeout', what }); process.exit(3); }, ms);

function parseEndpoint(s) {
  const i = s.lastIndexOf(':');
  return { address: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

const modes = {
  // tcp-serve PORT MS: accept one connection, print who connected and what arrived.
  'tcp-serve'([port, ms]) {
    deadline(Number(ms), 'no connection');
    const srv = net.createServer((sock) => {
      const chunks = [];
      sock.on('data', (d) => chunks.push(d));
      sock.on('end', () => {
        say({ event: 'received', from: sock.remoteAddress.replace(/^::ffff:/, ''), fromPort: sock.remotePort,
          data: Buffer.concat(chunks).toString() });
        sock.end(() => process.exit(0));
      });
    });
    // '::' takes IPv4 and IPv6 alike; a namespace with IPv6 disabled falls back to IPv4 only.
    const listen = (host) => srv.listen(Number(port), host, () => say({ event: 'listening', port: Number(port) }));
    srv.once('error', (e) =>
      (e.code === 'EAFNOSUPPORT' || e.code === 'EADDRNOTAVAIL' ? listen('0.0.0.0') : say({ event: 'error', code: e.code })));
    listen('::');
  },
  // tcp-send HOST PORT DATA MS [LOCALADDR]: connect (from LOCALADDR), send, close.
  'tcp-send'([host, port, data, ms, localAddress]) {
    deadline(Number(ms), `connect ${host}:${port}`);
    const sock = net.connect({ host, port: Number(port), ...(localAddress ? { localAddress } : {}) }, () => {
      say({ event: 'connected', local: sock.localAddress, localPort: sock.localPort });
      sock.end(data);
    });
    sock.on('close', () => process.exit(0));
    sock.on('error', (e) => { say({ event: 'error', code: e.code, message: e.message }); process.exit(2); });
  },
  // udp-rendezvous PORT MS ADDR: wait for two registrations, tell each the other's public
  // endpoint as observed here, then exit at once — it relays nothing afterwards. Bound to
  // ADDR: on a multi-homed host an unbound socket would answer from another address, and
  // the peers' NATs would drop the reply.
  'udp-rendezvous'([port, ms, addr = '0.0.0.0']) {
    deadline(Number(ms), 'registrations');
    const sock = dgram.createSocket('udp4');
    const peers = new Map();
    sock.on('message', (msg, rinfo) => {
      const m = /^register (\S+)$/.exec(msg.toString());
      if (!m) return;
      peers.set(m[1], `${rinfo.address}:${rinfo.port}`);
      say({ event: 'registered', name: m[1], observed: `${rinfo.address}:${rinfo.port}` });
      if (peers.size < 2) return;
      const [[a, ea], [b, eb]] = [...peers];
      let sent = 0;
      const done = () => { if (++sent === 2) { say({ event: 'introduced', [a]: ea, [b]: eb }); sock.close(); process.exit(0); } };
      sock.send(JSON.stringify({ you: ea, peer: eb }), parseEndpoint(ea).port, parseEndpoint(ea).address, done);
      sock.send(JSON.stringify({ you: eb, peer: ea }), parseEndpoint(eb).port, parseEndpoint(eb).address, done);
    });
    sock.bind(Number(port), addr, () => say({ event: 'listening', port: Number(port) }));
  },
  // udp-peer NAME BINDPORT RENDEZVOUS MS [REGMS]: register (until REGMS), learn the peer's public
  // endpoint, then punch for MS: send to it every 50 ms until a datagram from it arrives, answer a
  // few, exit. The punch window starts at the introduction, so a slow host's slow start (node
  // under emulation) does not eat it.
  'udp-peer'([name, bindPort, rendezvous, ms, regMs = 60000]) {
    const registering = deadline(Number(regMs), 'introduction by the rendezvous');
    const r = parseEndpoint(rendezvous);
    const sock = dgram.createSocket('udp4');
    let peer = null;
    let got = 0;
    const register = setInterval(() => sock.send(`register ${name}`, r.port, r.address), 200);
    sock.on('message', (msg, rinfo) => {
      const from = `${rinfo.address}:${rinfo.port}`;
      if (!peer && from === rendezvous) {
        const intro = JSON.parse(msg.toString());
        peer = parseEndpoint(intro.peer);
        clearInterval(register);
        clearTimeout(registering);
        deadline(Number(ms), 'peer datagram');
        say({ event: 'introduced', me: intro.you, peer: intro.peer });
        const punch = setInterval(() => sock.send(`hello from ${name}`, peer.port, peer.address), 50);
        punch.unref();
        return;
      }
      if (peer && rinfo.address === peer.address) {
        say({ event: 'received', from, data: msg.toString() });
        if (++got >= 3) setTimeout(() => process.exit(0), 200);
      }
    });
    sock.bind(Number(bindPort), '0.0.0.0', () => sock.send(`register ${name}`, r.port, r.address));
  },
  // udp-listen PORT MS: a peer that never sends: print whatever reaches it.
  'udp-listen'([port, ms]) {
    setTimeout(() => { say({ event: 'done' }); process.exit(0); }, Number(ms));
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg, rinfo) => say({ event: 'received', from: `${rinfo.address}:${rinfo.port}`, data: msg.toString() }));
    sock.bind(Number(port), '0.0.0.0', () => say({ event: 'listening', port: Number(port) }));
  },
  // udp-blast TARGET BINDPORT COUNT: send COUNT datagrams 50 ms apart, never listening.
  'udp-blast'([target, bindPort, count]) {
    const t = parseEndpoint(target);
    const sock = dgram.createSocket('udp4');
    let n = 0;
    sock.bind(Number(bindPort), '0.0.0.0', () => {
      const iv = setInterval(() => {
        sock.send(`knock ${n}`, t.port, t.address);
        if (++n >= Number(count)) { clearInterval(iv); say({ event: 'sent', count: n }); setTimeout(() => process.exit(0), 100); }
      }, 50);
    });
  },
};

if (!modes[mode]) {
  process.stderr.write(`agent: unknown mode "${mode}"; modes: ${Object.keys(modes).join(', ')}\n`);
  process.exit(64);
}
modes[mode](args);
