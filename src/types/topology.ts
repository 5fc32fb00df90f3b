// A network topology as data (what a netns scenario declares): hosts (network namespaces), links
// (veth pairs, dummies, bridges), addresses, routes, forwarding and NAT. Types only: the netns
// driver builds it (src/netns), the report draws it (src/report/topology-svg.ts).

export interface End {
  host: string;
  dev: string;
  /** CIDR, e.g. 10.1.1.1/24 */
  addr?: string;
  up?: boolean;
}

export type Link =
  | { type: 'veth'; a: End; b: End }
  | { type: 'dummy'; host: string; dev: string; addr?: string }
  | { type: 'bridge'; host: string; dev: string; addr?: string; ports: string[] };

export interface Route {
  host: string;
  /** "default" or a CIDR / single address */
  to: string;
  via?: string;
  dev?: string;
}

export interface Nat {
  host: string;
  /** source CIDR of the private network */
  source: string;
  /** the outgoing interface, as `-o` */
  out: string;
  /** --random-fully: a new random port per mapping (breaks hole punching) */
  randomFully?: boolean;
}

/** A port forward, as `docker run -p`: DNAT of `port` arriving on `in` to `to` (ip:port). */
export interface Dnat {
  host: string;
  in: string;
  port: number;
  to: string;
}

export interface Topology {
  name: string;
  hosts: string[];
  links: Link[];
  routes?: Route[];
  /** hosts with net.ipv4.ip_forward=1 (in their own namespace only) */
  forwarding?: string[];
  nat?: Nat[];
  dnat?: Dnat[];
  /** hosts whose firewall drops unsolicited inbound (a home router: INPUT ctstate NEW from `wanDev` dropped) */
  firewall?: Array<{ host: string; wanDev: string }>;
}
