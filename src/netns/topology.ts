// A network topology, declared as data: hosts (network namespaces), links (veth pairs,
// dummies, bridges), addresses, routes, forwarding and NAT. Validated before anything exists.
import { isIP, isIPv4 } from 'node:net';

export type { End, Link, Route, Nat, Dnat, Topology } from '../types/topology.js';
import type { Topology } from '../types/topology.js';

export class TopologyError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid topology: ${problems.join('; ')}`);
    this.name = 'TopologyError';
  }
}

/** An IPv4 or IPv6 address with an optional prefix length. */
const cidrOk = (s: string) => {
  const [ip, len, ...rest] = s.split('/');
  const v = ip ? isIP(ip) : 0;
  return rest.length === 0 && v !== 0 && (len === undefined || (/^\d+$/.test(len) && Number(len) <= (v === 6 ? 128 : 32)));
};
const DEV = /^[A-Za-z0-9_.-]{1,15}$/;

/** Every problem, each naming its field; nothing is created for an invalid topology. */
export function validateTopology(t: Topology): string[] {
  const p: string[] = [];
  const at = (f: string) => `${t.name ?? '?'}.${f}`;
  if (!t.name) p.push('name: required');
  if (!Array.isArray(t.hosts) || !t.hosts.length) p.push(`${at('hosts')}: at least one host is required`);
  const hosts = new Set(t.hosts ?? []);
  if (hosts.size !== (t.hosts ?? []).length) p.push(`${at('hosts')}: a host is named twice`);
  for (const h of t.hosts ?? [])
    if (!/^[a-z][a-z0-9-]{0,15}$/.test(h)) p.push(`${at('hosts')}: "${h}" must be lowercase letters, digits and dashes (≤ 16)`);
  const knownHost = (h: string | undefined, f: string) => {
    if (!h) p.push(`${at(f)}: required`);
    else if (!hosts.has(h)) p.push(`${at(f)}: unknown host "${h}"`);
  };
  const addrs = new Map<string, string>();
  const devs = new Set<string>();
  const addAddr = (a: string | undefined, f: string) => {
    if (a === undefined) return;
    if (!cidrOk(a)) return void p.push(`${at(f)}: "${a}" is not an IPv4 or IPv6 address/prefix`);
    const ip = a.split('/')[0]!;
    if (addrs.has(ip)) p.push(`${at(f)}: address ${ip} is already assigned at ${addrs.get(ip)}`);
    addrs.set(ip, f);
  };
  const addDev = (host: string, dev: string | undefined, f: string) => {
    if (!dev) return void p.push(`${at(f)}: required`);
    if (!DEV.test(dev)) p.push(`${at(f)}: "${dev}" is not a valid interface name (1–15 chars)`);
    if (devs.has(`${host}/${dev}`)) p.push(`${at(f)}: ${host} already has a device "${dev}"`);
    devs.add(`${host}/${dev}`);
  };
  (t.links ?? []).forEach((l, i) => {
    const f = `links[${i}]`;
    if (l.type === 'veth') {
      if (!l.a || !l.b) return void p.push(`${at(f)}: a veth needs ends "a" and "b"`);
      knownHost(l.a.host, `${f}.a.host`);
      knownHost(l.b.host, `${f}.b.host`);
      if (l.a.host && l.a.host === l.b.host) p.push(`${at(f)}: links host "${l.a.host}" to itself`);
      addDev(l.a.host, l.a.dev, `${f}.a.dev`);
      addDev(l.b.host, l.b.dev, `${f}.b.dev`);
      addAddr(l.a.addr, `${f}.a.addr`);
      addAddr(l.b.addr, `${f}.b.addr`);
    } else if (l.type === 'dummy' || l.type === 'bridge') {
      knownHost(l.host, `${f}.host`);
      addDev(l.host, l.dev, `${f}.dev`);
      addAddr(l.addr, `${f}.addr`);
    } else p.push(`${at(f)}.type: unknown link type "${(l as { type?: string }).type}" (veth, dummy, bridge)`);
  });
  (t.links ?? []).forEach((l, i) => {
    if (l.type === 'bridge')
      for (const port of l.ports ?? [])
      if (!devs.has(`${l.host}/${port}`)) p.push(`${at(`links[${i}].ports`)}: ${l.host} has no device "${port}"`);
  });
  (t.routes ?? []).forEach((r, i) => {
    knownHost(r.host, `routes[${i}].host`);
    if (!r.to) p.push(`${at(`routes[${i}].to`)}: required`);
    else if (r.to !== 'default' && !cidrOk(r.to)) p.push(`${at(`routes[${i}].to`)}: "${r.to}" is not "default" or an IP prefix`);
    if (!r.via && !r.dev) p.push(`${at(`routes[${i}]`)}: needs "via" or "dev"`);
    if (r.via && !isIP(r.via)) p.push(`${at(`routes[${i}].via`)}: "${r.via}" is not an IP address`);
    if (r.dev && r.host && !devs.has(`${r.host}/${r.dev}`)) p.push(`${at(`routes[${i}].dev`)}: ${r.host} has no device "${r.dev}"`);
  });
  (t.forwarding ?? []).forEach((h, i) => knownHost(h, `forwarding[${i}]`));
  (t.nat ?? []).forEach((n, i) => {
    knownHost(n.host, `nat[${i}].host`);
    if (!n.source || !cidrOk(n.source)) p.push(`${at(`nat[${i}].source`)}: an IPv4 prefix is required`);
    if (!n.out) p.push(`${at(`nat[${i}].out`)}: required`);
    else if (n.host && !devs.has(`${n.host}/${n.out}`)) p.push(`${at(`nat[${i}].out`)}: ${n.host} has no device "${n.out}"`);
  });
  (t.dnat ?? []).forEach((d, i) => {
    knownHost(d.host, `dnat[${i}].host`);
    if (d.host && !devs.has(`${d.host}/${d.in}`)) p.push(`${at(`dnat[${i}].in`)}: ${d.host} has no device "${d.in}"`);
    if (!Number.isInteger(d.port) || d.port < 1 || d.port > 65535) p.push(`${at(`dnat[${i}].port`)}: a TCP port (1–65535)`);
    const m = /^(\d+\.\d+\.\d+\.\d+):(\d{1,5})$/.exec(d.to ?? '');
    if (!m || !isIPv4(m[1]!)) p.push(`${at(`dnat[${i}].to`)}: "${d.to}" is not an IPv4 address:port`);
  });
  (t.firewall ?? []).forEach((fw, i) => {
    knownHost(fw.host, `firewall[${i}].host`);
    if (fw.host && !devs.has(`${fw.host}/${fw.wanDev}`)) p.push(`${at(`firewall[${i}].wanDev`)}: ${fw.host} has no device "${fw.wanDev}"`);
  });
  return p;
}
