// The claims (docs/claims.md is generated from this list): ids are stable (add, never rename). A check binds to one of these.
export interface ClaimDef {
  id: string;
  suite: string;
  statement: string;
}

const rows: Array<[string, string]> = [
  ['overlay.union', 'merged view = lower ∪ upper; upper wins a name clash'],
  ['overlay.copy-up', 'writing a lower file copies it up; lower stays untouched'],
  ['overlay.whiteout', 'deleting a lower file leaves a whiteout in upperdir ("mark as deleted in upperdir")'],
  ['overlay.opaque-dir', 'rmdir + mkdir of a lower dir gives an opaque dir in upperdir'],
  ['overlay.multi-lower-readonly', '`lowerdir=a:b` without upper mounts read-only, leftmost on top'],
  ['overlay.multi-lower-upper', 'several lowers with upper + workdir: writable, same precedence'],
  ['overlay.stacked', '"the lower directory could be an overlay itself"'],
  ['overlay.bad-options', 'bad mount input fails clearly, leaves no mount'],
  ['overlay.rename-file', 'renaming a lower file: copied up under the new name, a whiteout at the old one'],
  ['overlay.rename-dir', 'renaming a lower dir: EXDEV without redirect_dir, a redirect xattr with it'],
  ['overlay.hardlink-copy-up', "copy-up breaks a lower file's hard links, unless index=on"],
  ['overlay.metacopy', 'chmod of a lower file: metadata-only copy-up with metacopy=on, full without'],
  ['overlay.symlink', 'a lower symlink reads through the merged view; removing it leaves a whiteout'],
  ['overlay.rootless', 'an unprivileged user namespace mounts an overlay (userxattr); union rules hold'],
  ['image.layers', 'the hello image = base layers + one for hello.sh; prints "Hallo"'],
  ['image.cache-hit', '"if input does not change, docker layer is kept – cached"'],
  ['image.cache-invalidation', 'a changed input rebuilds its step and the ones after, not before'],
  ['image.save-extract-run', '`docker save`, untar, run the binary from the layer on the host'],
  ['image.lifecycle', 'images / ps -a / rm / rmi behave as listed'],
  ['image.multistage-size', 'multi-stage build: final image is a small fraction of the builder'],
  ['image.base-size', '"reduced size of snapshots 2MB vs 45MB"'],
  ['cgroups.move', 'a process joins a group through cgroup.procs'],
  ['cgroups.cpu-weight-split', 'weight 20 vs 80, hogs pinned to one CPU: 20/80 split'],
  ['cgroups.unpinned-no-contention', 'unpinned on ≥2 CPUs the split "does not work"'],
  ['cgroups.docker-cpu-shares', '`docker run --cpuset-cpus=0 --cpu-shares=20/80`'],
  ['cgroups.memory-limit', 'memory limit: past it the process is OOM-killed'],
  ['cgroups.pids-limit', 'pids limit: the fork past it fails'],
  ['cgroups.cpu-quota', 'cpu quota caps usage'],
  ['cgroups.nested-weight', 'weights multiply down the tree: 50/50 parents, 1:3 children → 12.5/37.5/50'],
  ['cgroups.memory-high', 'over memory.high the workload is throttled and counted, not killed'],
  ['cgroups.freeze', 'a frozen group gets no CPU while frozen and resumes on thaw'],
  ['cgroups.cpuset', 'cpuset.cpus confines a worker to its CPUs whatever taskset asks'],
  ['netns.isolated', 'a new network namespace is isolated'],
  ['netns.veth', 'veth pair 10.1.1.1/24 ↔ 10.1.1.2/24; server in the namespace reached'],
  ['netns.masquerade', 'MASQUERADE rewrites the source of the private network'],
  ['netns.p2p-testbed', "the slides' testbed: unr namespace, nat_lan/nat_wan, dummy unr1"],
  ['netns.hole-punch', 'two peers behind NATs connect by UDP hole punching'],
  ['netns.docker-bridge', 'containers on one user network reach each other by name'],
  ['netns.port-forward', 'DNAT in a router namespace, like `docker run -p`: the server is reached through it'],
  ['netns.ipv6', 'a veth pair with IPv6 ULA addresses: connected, and isolated from the host'],
  ['netns.bridge', 'namespaces on one bridge reach each other; one not attached does not'],
  ['compose.service-dns', 'the compose file: client\'s "hallo" reaches server1:8081'],
  ['compose.teardown', 'down removes everything, fast'],
  ['bocker.container-from-primitives', "a container built from the primitives behaves like docker's"],
  ['vm.shared-kernel', 'container: "Process-based isolation (share same kernel)"; VM: its own kernel, its processes not the host\'s'],
  ['vm.memory', 'container: "Available memory is shared"; VM: "Pre allocates memory"'],
  ['vm.full-isolation', 'VM: "App can access all OS resources" (its own kernel\'s); a default container may not'],
  ['vm.hw-virt', '"Run unmodified OS with Intel VT-x and AMD-V, or paravirtualized if not present"'],
  ['vm.emulation', '"Needs to be the same architecture — otherwise use emulation, e.g., QEMU"'],
  ['vm.live-migration', 'VM: "Live migrations" — a running guest moves to another QEMU process and goes on'],
  ['podman.daemonless', '"docker runs a daemon and you connect via CLI, podman does not"'],
  ['podman.docker-compose', '"Podman supports docker-compose": the lecture\'s project by docker-compose on Podman\'s API socket'],
  ['image.default-tag', '`docker run hello-world` — "no version provided: latest"'],
  ['bench.startup-ladder', 'containers start quicker than VMs: process → … → VM'],
  ['bench.sizes', 'image and VM sizes side by side'],
  ['bench.primitive-costs', 'cost of a netns, an overlay mount, a cgroup'],
];

/**
 * Claims whose slide gives a number or a comparison, checked as a second answer (`slide` in the
 * results; a departure is verdict `differs`). Every other claim's lecture text gives no number:
 * its verdict is the mechanism alone, and the results say so rather than invent one.
 */
export const SLIDE_NUMBERS: Readonly<Record<string, string>> = {
  'cgroups.cpu-weight-split': '"Assign 20% of CPU and 80% of CPU" (cpu.weight 20 / 80)',
  'cgroups.docker-cpu-shares': 'docker run --cpu-shares=20 / =80: 20% and 80%',
  'image.base-size': '"Reduced size of snapshots 2MB vs 45MB"',
  'bench.startup-ladder': '"Quicker spinning up apps" (a comparison, no number)',
  'vm.memory': '"Pre allocates memory" (a statement: measured with and without -mem-prealloc)',
  'vm.hw-virt': '"or paravirtualized if not present" (a statement: what runs without VT-x)',
};

/** The suites, in the order a full run lists them (each a vitest project: vitest.config.ts). */
export const SUITES = ['overlay', 'cgroups', 'netns', 'compose', 'bocker', 'vm'] as const;

export const CLAIMS: ReadonlyArray<ClaimDef> = rows.map(([id, statement]) => ({ id, suite: suiteOf(id), statement }));

export function claimDef(id: string): ClaimDef {
  const c = CLAIMS.find((x) => x.id === id);
  if (!c) throw new Error(`unknown claim id "${id}": the ids are in docs/claims.md (src/claims/catalog.ts)`);
  return c;
}

/** The suite (vitest project) a claim is checked in: images live with compose, podman with the vm comparison. */
function suiteOf(id: string): string {
  const prefix = id.split('.')[0]!;
  return prefix === 'image' ? 'compose' : prefix === 'podman' ? 'vm' : prefix;
}
