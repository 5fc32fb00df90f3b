// The one list of what isolab takes from Debian's packages, read by both `isolab provision`
// (this host) and `isolab guest build` (the guests): the suites' tools are the same on both;
// a guest adds the engine stack it stands for, a host gets an engine only when it has none.

/** What the suites run on any host: the primitives' own tools. */
export const SUITE_TOOLS = ['iproute2', 'iptables', 'busybox-static', 'procps', 'util-linux', 'kmod', 'attr', 'hyperfine'];

/** A host's extras: tar and perl for the scripts, shellcheck for the tests, chromium for report screenshots. */
export const HOST_TOOLS = ['tar', 'coreutils', 'perl', 'shellcheck', 'chromium', 'fonts-dejavu-core'];

/** Installed on a host only when no engine answers / no compose exists (a runner's own is kept). */
export const HOST_ENGINE = { engine: 'docker.io', compose: 'docker-compose' };

/** The offline Go builder image is debootstrapped; guests are too, and made into ext4 disks. */
export const FOR_GO_IMAGE = ['debootstrap'];
/** qemu-user without its Recommends (qemu-user-binfmt): emulation is run by name, never behind execve. */
export const FOR_VM = ['qemu-system-x86', 'qemu-user', 'cpio', 'e2fsprogs'];

/** A binary of another architecture for the emulation claim, from Debian's archive for it. */
export const FOREIGN = { package: 'busybox-static', arch: 'arm64' } as const;

/** A guest's own kernel and the docker stack it stands for (minbase skips Recommends: the CLI is named). */
export const GUEST_STACK = [
  'linux-image-cloud-amd64', 'docker.io', 'docker-cli', 'containerd', 'runc', 'tini', 'docker-compose', 'docker-buildx', 'nodejs',
  'ca-certificates', 'e2fsprogs',
];

/** The second engine (`--engine podman`), rootful, with its runtime, network stack and init named. */
export const PODMAN_STACK = ['podman', 'podman-compose', 'crun', 'netavark', 'aardvark-dns', 'conmon', 'catatonit', 'nftables'];
