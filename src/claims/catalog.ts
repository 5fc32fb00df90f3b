// The claims, one place for what isolab knows of each (docs/claims.md is generated from this list):
// ids are stable (add, never rename). A check binds to one of these.
import type { Capability } from './requirements.js';

/** The kinds of scenario files (src/scenarios/files.ts): each has its schema and a suite that runs it. */
export type ScenarioKind = 'overlay' | 'cgroups' | 'netns' | 'image';

export interface ClaimDef {
  id: string;
  suite: string;
  statement: string;
  slide?: string;
  scenarios?: ScenarioKind;
  needs?: Capability[];
  grades?: 'hello' | 'multistage' | 'compose';
}

/**
 * Every claim, with what the rest of isolab knows of it: its statement (docs/claims.md), the
 * slide's own number where the slide gives one (`slide`: a second answer, a departure is
 * `differs`; without it the verdict is the mechanism alone), the kind of scenario files that
 * declare checks of it (`scenarios`: schemas/scenarios.<kind>.schema.json; a course's files may
 * name it), the capabilities every scenario of it needs (`needs`; a claim checked in code names
 * its own in its spec's `claim(…)`), and the lecture assignment's part it grades (`grades`).
 */
const ROWS: ReadonlyArray<Omit<ClaimDef, 'suite'>> = [
  { id: 'overlay.union', statement: 'merged view = lower ∪ upper; upper wins a name clash', scenarios: 'overlay' },
  { id: 'overlay.copy-up', statement: 'writing a lower file copies it up; lower stays untouched', scenarios: 'overlay' },
  { id: 'overlay.whiteout', statement: 'deleting a lower file leaves a whiteout in upperdir ("mark as deleted in upperdir")',
    scenarios: 'overlay' },
  { id: 'overlay.opaque-dir', statement: 'rmdir + mkdir of a lower dir gives an opaque dir in upperdir',
    scenarios: 'overlay' },
  { id: 'overlay.multi-lower-readonly', statement: '`lowerdir=a:b` without upper mounts read-only, leftmost on top',
    scenarios: 'overlay' },
  { id: 'overlay.multi-lower-upper', statement: 'several lowers with upper + workdir: writable, same precedence',
    scenarios: 'overlay' },
  { id: 'overlay.stacked', statement: '"the lower directory could be an overlay itself"', scenarios: 'overlay' },
  { id: 'overlay.bad-options', statement: 'bad mount input fails clearly, leaves no mount', scenarios: 'overlay' },
  { id: 'overlay.rename-file', statement: 'renaming a lower file: copied up under the new name, a whiteout at the old one',
    scenarios: 'overlay' },
  { id: 'overlay.rename-dir', statement: 'renaming a lower dir: EXDEV without redirect_dir, a redirect xattr with it',
    scenarios: 'overlay' },
  { id: 'overlay.hardlink-copy-up', statement: "copy-up breaks a lower file's hard links, unless index=on",
    scenarios: 'overlay' },
  { id: 'overlay.metacopy', statement: 'chmod of a lower file: metadata-only copy-up with metacopy=on, full without',
    scenarios: 'overlay' },
  { id: 'overlay.symlink', statement: 'a lower symlink reads through the merged view; removing it leaves a whiteout',
    scenarios: 'overlay' },
  { id: 'overlay.rootless', statement: 'an unprivileged user namespace mounts an overlay (userxattr); union rules hold',
    scenarios: 'overlay' },
  { id: 'image.layers', statement: 'the hello image = base layers + one for hello.sh; prints "Hallo"',
    scenarios: 'image', grades: 'hello' },
  { id: 'image.cache-hit', statement: '"if input does not change, docker layer is kept – cached"',
    scenarios: 'image', grades: 'hello' },
  { id: 'image.cache-invalidation', statement: 'a changed input rebuilds its step and the ones after, not before',
    scenarios: 'image' },
  { id: 'image.save-extract-run', statement: '`docker save`, untar, run the binary from the layer on the host' },
  { id: 'image.lifecycle', statement: 'images / ps -a / rm / rmi behave as listed', grades: 'hello' },
  { id: 'image.multistage-size', statement: 'multi-stage build: final image is a small fraction of the builder',
    grades: 'multistage' },
  { id: 'image.base-size', statement: '"reduced size of snapshots 2MB vs 45MB"',
    slide: '"Reduced size of snapshots 2MB vs 45MB"' },
  { id: 'cgroups.move', statement: 'a process joins a group through cgroup.procs' },
  { id: 'cgroups.cpu-weight-split', statement: 'weight 20 vs 80, hogs pinned to one CPU: 20/80 split',
    scenarios: 'cgroups', needs: ['root', 'cgroup.cpu', 'tool.taskset'],
    slide: '"Assign 20% of CPU and 80% of CPU" (cpu.weight 20 / 80)' },
  { id: 'cgroups.unpinned-no-contention', statement: 'unpinned on ≥2 CPUs the split "does not work"',
    scenarios: 'cgroups', needs: ['root', 'cgroup.cpu'] },
  { id: 'cgroups.docker-cpu-shares', statement: '`docker run --cpuset-cpus=0 --cpu-shares=20/80`',
    slide: 'docker run --cpu-shares=20 / =80: 20% and 80%' },
  { id: 'cgroups.memory-limit', statement: 'memory limit: past it the process is OOM-killed' },
  { id: 'cgroups.pids-limit', statement: 'pids limit: the fork past it fails' },
  { id: 'cgroups.cpu-quota', statement: 'cpu quota caps usage',
    scenarios: 'cgroups', needs: ['root', 'cgroup.cpu', 'tool.taskset'] },
  { id: 'cgroups.nested-weight', statement: 'weights multiply down the tree: 50/50 parents, 1:3 children → 12.5/37.5/50',
    scenarios: 'cgroups', needs: ['root', 'cgroup.cpu', 'tool.taskset'] },
  { id: 'cgroups.memory-high', statement: 'over memory.high the workload is throttled and counted, not killed',
    scenarios: 'cgroups', needs: ['root', 'cgroup.memory-high'] },
  { id: 'cgroups.freeze', statement: 'a frozen group gets no CPU while frozen and resumes on thaw',
    scenarios: 'cgroups', needs: ['root', 'cgroup.cpu', 'cgroup.freeze'] },
  { id: 'cgroups.cpuset', statement: 'cpuset.cpus confines a worker to its CPUs whatever taskset asks',
    scenarios: 'cgroups', needs: ['root', 'cgroup.cpu', 'cgroup.cpuset', 'tool.taskset'] },
  { id: 'netns.isolated', statement: 'a new network namespace is isolated', scenarios: 'netns' },
  { id: 'netns.veth', statement: 'veth pair 10.1.1.1/24 ↔ 10.1.1.2/24; server in the namespace reached',
    scenarios: 'netns' },
  { id: 'netns.masquerade', statement: 'MASQUERADE rewrites the source of the private network', scenarios: 'netns' },
  { id: 'netns.p2p-testbed', statement: "the slides' testbed: unr namespace, nat_lan/nat_wan, dummy unr1",
    scenarios: 'netns' },
  { id: 'netns.hole-punch', statement: 'two peers behind NATs connect by UDP hole punching', scenarios: 'netns' },
  { id: 'netns.docker-bridge', statement: 'containers on one user network reach each other by name', scenarios: 'netns' },
  { id: 'netns.port-forward', statement: 'DNAT in a router namespace, like `docker run -p`: the server is reached through it',
    scenarios: 'netns' },
  { id: 'netns.ipv6', statement: 'a veth pair with IPv6 ULA addresses: connected, and isolated from the host',
    scenarios: 'netns' },
  { id: 'netns.bridge', statement: 'namespaces on one bridge reach each other; one not attached does not',
    scenarios: 'netns' },
  { id: 'compose.service-dns', statement: 'the compose file: client\'s "hallo" reaches server1:8081', grades: 'compose' },
  { id: 'compose.teardown', statement: 'down removes everything, fast', grades: 'compose' },
  { id: 'bocker.container-from-primitives', statement: "a container built from the primitives behaves like docker's" },
  { id: 'vm.shared-kernel',
    statement: 'container: "Process-based isolation (share same kernel)"; VM: its own kernel, its processes not the host\'s' },
  { id: 'vm.memory', statement: 'container: "Available memory is shared"; VM: "Pre allocates memory"',
    slide: '"Pre allocates memory" (a statement: measured with and without -mem-prealloc)' },
  { id: 'vm.full-isolation', statement: 'VM: "App can access all OS resources" (its own kernel\'s); a default container may not' },
  { id: 'vm.hw-virt', statement: '"Run unmodified OS with Intel VT-x and AMD-V, or paravirtualized if not present"',
    slide: '"or paravirtualized if not present" (a statement: what runs without VT-x)' },
  { id: 'vm.emulation', statement: '"Needs to be the same architecture — otherwise use emulation, e.g., QEMU"' },
  { id: 'vm.live-migration', statement: 'VM: "Live migrations" — a running guest moves to another QEMU process and goes on' },
  { id: 'podman.daemonless', statement: '"docker runs a daemon and you connect via CLI, podman does not"' },
  { id: 'podman.docker-compose',
    statement: '"Podman supports docker-compose": the lecture\'s project by docker-compose on Podman\'s API socket' },
  { id: 'image.default-tag', statement: '`docker run hello-world` — "no version provided: latest"' },
  { id: 'bench.startup-ladder', statement: 'containers start quicker than VMs: process → … → VM',
    slide: '"Quicker spinning up apps" (a comparison, no number)' },
  { id: 'bench.sizes', statement: 'image and VM sizes side by side' },
  { id: 'bench.primitive-costs', statement: 'cost of a netns, an overlay mount, a cgroup' },
];

/** The slide's own number of each claim whose slide gives one. */
export const SLIDE_NUMBERS: Readonly<Record<string, string>> =
  Object.fromEntries(ROWS.filter((r) => r.slide).map((r) => [r.id, r.slide!]));

/** The suites, in the order a full run lists them (each a vitest project: vitest.config.ts). */
export const SUITES = ['overlay', 'cgroups', 'netns', 'compose', 'bocker', 'vm'] as const;

export const CLAIMS: ReadonlyArray<ClaimDef> = ROWS.map((r) => ({ ...r, suite: suiteOf(r.id) }));

export function claimDef(id: string): ClaimDef {
  const c = CLAIMS.find((x) => x.id === id);
  if (!c) throw new Error(`unknown claim id "${id}": the ids are in docs/claims.md (src/claims/catalog.ts)`);
  return c;
}

/** What a result carries of its claim: id, suite, statement (the rest is the catalog's). */
export function claimHead(id: string): Pick<ClaimDef, 'id' | 'suite' | 'statement'> {
  const { suite, statement } = claimDef(id);
  return { id, suite, statement };
}

/** The suite (vitest project) a claim is checked in: images live with compose, podman with the vm comparison. */
function suiteOf(id: string): string {
  const prefix = id.split('.')[0]!;
  return prefix === 'image' ? 'compose' : prefix === 'podman' ? 'vm' : prefix;
}
