// The guest hosts' recipe, as data: which Debian suite, which packages, what the guest's PID 1
// does, which images it carries. `plan()` turns it into the steps `isolab guest build` runs
// (src/guest/build.ts executes them with zx) — a value tests can read without running anything.
import { START_DOCKERD_SH } from '../core/waits.js';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { GUEST_STACK, SUITE_TOOLS, PODMAN_STACK } from '../provision/packages.js';

export interface GuestDef {
  name: string;
  suite: 'trixie' | 'sid';
  /** what this guest stands in for */
  standsFor: string;
  packages: string[];
}

/** A guest: its kernel and engine stack, the suites' tools (shared with host provisioning), podman. */
const COMMON = [...GUEST_STACK, ...SUITE_TOOLS, ...PODMAN_STACK];

export const GUESTS: Record<string, GuestDef> = {
  trixie: { name: 'trixie', suite: 'trixie',
    standsFor: 'GitHub ubuntu-24.04-like: cgroup v2, Docker 26, compose v2, buildx, Node 20', packages: COMMON },
  sid: { name: 'sid', suite: 'sid', standsFor: 'newest: cgroup v2, Docker 28, compose v2.40, runc 1.3, Node 24', packages: COMMON },
};

export const CACHE_DIR = setting('guestCache') ?? '/var/cache/isolab/guests';
export const UP_MARKER = 'ISOLAB-GUEST-UP';
export const EXIT_MARKER = 'ISOLAB-GUEST-EXIT';

/**
 * PID 1 of a guest: mount what a host has (proc, sys, cgroup2 alone — a pure v2 host — dev,
 * run, tmp), run /job/job.sh from the second disk, power off. No network device exists: the
 * guest's traffic stays inside it.
 */
export const INIT = `#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -o remount,rw /
hostname isolab-guest
ip link set lo up
echo "${UP_MARKER} $(cut -d' ' -f1 /proc/uptime)"
mkdir -p /job
if mount /dev/vdb /job; then
  (cd /job && sh ./job.sh)
  echo "${EXIT_MARKER} $?"
  sync; umount /job
else
  echo "${EXIT_MARKER} 99 no job disk"
fi
sync
busybox poweroff -f
`;

/** Podman in a guest without systemd: cgroups managed through the filesystem, events to a file (no journald). */
export const CONTAINERS_CONF = `[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

/** The first boot: start the engine, load the host's offline images, record versions. */
export const PROVISION_JOB = `set -u
mkdir -p out
${START_DOCKERD_SH}start_dockerd /var/log/dockerd.log 180 || exit 1
for t in /var/lib/isolab/images/*.tar; do docker load -q -i "$t" || exit 1; done
while read -r src dst; do docker tag "$src" "$dst" || exit 1; done </var/lib/isolab/images/tags
if command -v podman >/dev/null; then
  for t in /var/lib/isolab/images/*.tar; do podman load -q -i "$t" || exit 1; done
  while read -r src dst; do podman tag "$src" "$dst" || exit 1; done </var/lib/isolab/images/tags
fi
rm -rf /var/lib/isolab/images
dpkg-query -W -f='\${Package} \${Version}\\n' >out/packages.txt
{ uname -r; docker version --format '{{.Server.Version}}'; docker compose version --short; runc --version | head -1; node --version;
  podman version --format '{{.Server.Version}}'; podman-compose --version 2>/dev/null | tail -1; crun --version | `
    + `head -1; } >out/versions.txt
docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' >out/images.txt
command -v podman >/dev/null && podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' >out/podman-images.txt
kill "$engine"; wait "$engine"
exit 0
`;

export type { Step } from '../core/steps.js';
import type { Step } from '../core/steps.js';
import { setting } from '../core/settings.js';

export interface PlanInput {
  guest: GuestDef;
  mirror: string;
  /** images (repo:tag → tar name) saved from the host, and tags to add inside */
  images: Array<{ ref: string; tags: string[] }>;
  /** the image ids, so a changed host image rebuilds the guest */
  imageIds: string[];
  work: string;
  diskMb: number;
}

export function recipeHash(i: Pick<PlanInput, 'guest' | 'images' | 'imageIds'>): string {
  return createHash('sha256').update(JSON.stringify([i.guest, INIT, PROVISION_JOB, CONTAINERS_CONF, i.images,
    i.imageIds])).digest('hex').slice(0, 16);
}

/** The steps that build a guest's disk, kernel and initrd into `work` (then moved into the cache). */
export function plan(i: PlanInput): Step[] {
  const root = path.join(i.work, 'rootfs');
  const imgDir = path.join(root, 'var/lib/isolab/images');
  return [
    { title: `debootstrap ${i.guest.suite} (${i.guest.packages.length} packages)`,
      argv: ['debootstrap', '--variant=minbase', `--include=${i.guest.packages.join(',')}`, i.guest.suite, root,
      i.mirror], timeoutMs: 1200_000 },
    { title: 'write the guest init', write: { path: path.join(root, 'sbin/isolab-init'), text: INIT, mode: 0o755 } },
    { title: 'podman without systemd', write: { path: path.join(root, 'etc/containers/containers.conf'), text: CONTAINERS_CONF } },
    { title: 'drop the package cache', argv: ['find', path.join(root, 'var/cache/apt/archives'), '-name', '*.deb', '-delete'] },
    { title: 'make the image folder', argv: ['mkdir', '-p', imgDir] },
    ...i.images.map((im, k) =>
      ({ title: `save ${im.ref} from the host's engine`,
      argv: ['docker', 'save', '-o', path.join(imgDir, `${k}.tar`), im.ref], timeoutMs: 600_000 })),
    { title: 'tags to add inside',
      write: { path: path.join(imgDir, 'tags'), text: i.images.flatMap((im) => im.tags.map((t) => `${im.ref} ${t}\n`)).join('') } },
    { title: 'copy the kernel and initrd out',
      argv: ['sh', '-c', `cp ${root}/boot/vmlinuz-* ${i.work}/vmlinuz && cp ${root}/boot/initrd.img-* ${i.work}/initrd.img`] },
    { title: `make the ${i.diskMb} MB ext4 disk from the tree`,
      argv: ['mkfs.ext4', '-q', '-F', '-L', 'isolab-root', '-d', root, path.join(i.work, 'disk.img'), `${i.diskMb}M`], timeoutMs: 600_000 },
    { title: 'remove the tree', argv: ['rm', '-rf', root], timeoutMs: 300_000 },
  ];
}
