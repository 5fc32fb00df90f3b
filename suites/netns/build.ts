// Shared by the netns spec files: a topology built for a check, drawn into its evidence.
import { type ClaimContext } from '../../src/claims/claim.js';
import { buildTopology, type Net } from '../../src/netns/build.js';
import type { Topology } from '../../src/netns/topology.js';

export const NEEDS = ['root', 'netns', 'iptables', 'tool.busybox'] as const;

const drawn = new WeakMap<ClaimContext, Record<string, Topology>>();
const built = new WeakMap<ClaimContext, Record<string, Net['settings']>>();

/** Build `t` for the check; the declared topology goes into the evidence (the report draws it). */
export async function build(c: ClaimContext, t: Topology): Promise<Net> {
  const topologies = { ...drawn.get(c), [t.name]: t };
  drawn.set(c, topologies);
  c.evidence({ topologies });
  const net = await buildTopology(c.ledger, t);
  // The state as built, not as declared: each namespace's forwarding and filters, read back.
  const settings = { ...built.get(c), [t.name]: net.settings };
  built.set(c, settings);
  c.evidence({ settings });
  c.captureOnFailure(`topology ${t.name}`, () => net.dump());
  return net;
}
