// Whose a change is: a host's first use (not a leak), another run's (named in it, or owning an
// interface it names), a classic build step's; the snapshot's containers with their owners.
import { allRuns } from '../core/runs.js';
import { runId } from '../core/names.js';
import type { HostSnapshot, Leak } from './types.js';

/**
 * A host's one-time initialisations, which any first user of the tool causes and no cleanup
 * undoes: the first `ip netns add` makes /run/netns a shared mount; an interface that comes up
 * for the first time (docker0 when its first container starts) gets an IPv6 link-local address
 * from the kernel. Only exactly these: an isolab link, or any other address or mount, is a leak.
 */
export function firstUse(l: Leak, before: HostSnapshot): string | null {
  if (l.change !== 'added') return null;
  if (l.kind === 'mounts' && /^\/run\/netns \(/.test(l.item))
    return "first use of `ip netns` on this host (the kernel's /run/netns mount); `isolab provision` makes it once";
  // Podman's first network use since boot creates netavark's table with fixed chains; a
  // network's own chains (nv_…) and rules (addresses, interfaces) are not first use.
  if (l.kind === 'nftables' && l.item.startsWith('table inet netavark') && !before.nftables?.includes('table inet netavark')
    && !/\d+\.\d+\.\d+\.\d+|[0-9a-f]*::?[0-9a-f]*\/\d+|"|\bnv_/.test(l.item))
      return "first use of podman's networking on this host since boot: netavark's table and its fixed chains";
  if (l.kind === 'addresses') {
    const m = /^\d+:\s+(\S+)\s+inet6 fe80::\S+ scope link/.exec(l.item);
    if (m && !m[1]!.includes('isolab') && before.links.includes(m[1]!))
      return `first time ${m[1]} came up: the kernel's IPv6 link-local address; \`isolab provision\` brings it up once`;
  }
  // The same first carrier gives the interface its IPv6 link-local and multicast routes.
  if (l.kind === 'routes') {
    const m = /^(?:fe80::\/64|multicast ff00::\/8) dev (\S+) /.exec(l.item);
    if (m && !m[1]!.includes('isolab') && before.links.includes(m[1]!))
      return `first time ${m[1]} came up: the kernel's IPv6 link-local routes; \`isolab provision\` brings it up once`;
  }
  return null;
}

/** In `owned`: a classic build step's container and its mount, whose run cannot be told. */
export const BUILD_STEP = 'build-step';
/**
 * In `owned`: a veth on the engine's default bridge. It lives exactly as long as its container,
 * which the check judges by name; which container it is would take entering every netns.
 */
export const DEFAULT_BRIDGE_VETH = 'default-bridge-veth';
export const DEFAULT_BRIDGES = ['docker0', 'podman0'];

/** `docker ps` (and podman's) line: name, image, the isolab.run label, the compose project. */
export const CONTAINER_FORMAT = '{{.Names}}\t{{.Image}}\t{{.Label "isolab.run"}}\t{{.Label "com.docker.compose.project"}}';

/**
 * A listed container as the snapshot keeps it (`name`, or `name (isolab-<id>)` when only its
 * label says whose it is: a bench rung's `run --rm`) and its owner when the listing tells: a
 * container started from an image id, not a name, is a classic build step's.
 */
export function containerOwner(line: string): { name: string; entry: string; owner?: string } {
  const podman = line.startsWith('podman ');
  const [name = '', image = '', label = '', project = ''] = line.replace(/^podman /, '').split('\t');
  const entry = `${podman ? 'podman ' : ''}${name}${label ? ` (isolab-${label})` : ''}`;
  const owner = ownerOf(name, image, label, project);
  return { name, entry, ...(owner ? { owner } : {}) };
}

/**
 * The run a container is for: its label, or the run its name or compose project names. The
 * classic builder runs each RUN step in a container with a random name, started from the
 * previous step's untagged image: whose build it is can only be guessed (anotherRun).
 */
export function ownerOf(name: string, image: string, label: string, project: string): string | undefined {
  return label || RUN_ID.exec(`${name} ${project}`)?.[1] || (/^(sha256:)?[0-9a-f]{12,64}$/.test(image) ? BUILD_STEP : undefined);
}

const RUN_ID = /isolab-([0-9a-z]{6})(?![0-9a-z])/;

/**
 * Whose is a change that is not this run's? The run named in it (isolab-<id>…), or owning an
 * interface it names; a live run's is never a leak of this one, nor is what another run removed
 * of its own. An untagged image built while another run was building is that run's, probably.
 */
export function anotherRun(l: Leak, before: HostSnapshot, after: HostSnapshot, runs = allRuns(), me = runId()): string | null {
  const owned = { ...before.owned, ...after.owned };
  let id = RUN_ID.exec(l.item)?.[1];
  if (!id) for (const [iface, owner] of Object.entries(owned))
    if (new RegExp(`(^|[^\\w-])${iface.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w-]|$)`).test(l.item)) id = owner;
  const others = runs.filter((r) => r.live && r.id !== me);
  if (!id && l.kind === 'images' && l.change === 'added' && / <none>:<none>$/.test(l.item) && others.length) {
    return `an untagged image built while run ${others.map((r) => `${r.id} (pid ${r.pid})`).join(', ')} was live: its build's intermediate`;
  }
  const whileLive = `while run ${others.map((r) => `${r.id} (pid ${r.pid})`).join(', ')} was live`;
  if (id === BUILD_STEP) {
    if (l.change === 'added' && others.length)
      return `a build step's container (or its mount) ${whileLive}: the classic builder's, started from an untagged image`;
    return null;
  }
  if (id === DEFAULT_BRIDGE_VETH) {
    if (l.change === 'added' && others.length)
      return `a container's veth on the engine's default bridge ${whileLive}: the container is judged by its name`;
    return null;
  }
  if (!id || id === me) return null;
  const r = runs.find((x) => x.id === id);
  if (r?.live) return `another run's (${id}, pid ${r.pid}), still running`;
  if (l.change === 'removed') return `another run's (${id}), removed by that run`;
  // A layer's label names the run whose build made it: never this run's, whenever it appeared.
  if (l.kind === 'images' && owned[l.item.split(' ')[0]!] === id)
    return `run ${id}'s build cache (its label names it): that run's leak check names it, \`isolab clean\` removes it`;
  return null; // a dead run's leftover appearing now is a leak: \`isolab clean --run ${id}\`
}
