// What the leak check compares: the host's state by kind, and a change between two readings.
export interface HostSnapshot {
  mounts: string[];
  netns: string[];
  links: string[];
  addresses: string[];
  routes: string[];
  cgroups: string[];
  containers: string[];
  networks: string[];
  images: string[];
  iptables: string[];
  /** nftables rules outside iptables' own tables (podman's netavark writes `table inet netavark`) */
  nftables: string[];
  sysctls: string[];
  tempdirs: string[];
  processes: string[];
  /** not compared: which interfaces belong to which run (docker bridges of isolab networks, their veths) */
  owned?: Record<string, string>;
}

export interface Leak {
  kind: Exclude<keyof HostSnapshot, 'owned'>;
  item: string;
  change: 'added' | 'removed';
  /** set when the change is not this run's leak, and why (then it does not fail the run) */
  not?: string;
}

/** A real leak of this run (not a host's first-use initialisation, not another live run's). */
export const isLeak = (l: Leak) => !l.not;
