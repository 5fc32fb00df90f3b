// `isolab provision` as a plan: what this host lacks (facts read first) → the steps that make it
// ready, as values a test reads without running anything. src/provision/execute.ts executes them
// with zx, phase by phase (packages, then the engine, then what needs the engine), re-reading
// the facts between phases. Idempotent: a ready host plans nothing but the settle step.
import path from 'node:path';
import { SUITE_TOOLS, HOST_TOOLS, HOST_ENGINE, FOR_GO_IMAGE, FOR_VM, FOREIGN } from './packages.js';
import type { Step } from '../core/steps.js';
import { fromRoot } from '../core/paths.js';

export interface HostFacts {
  /** of the packages the plan may want, those installed */
  installed: string[];
  dockerd: boolean;
  engineUp: boolean;
  composeUp: boolean;
  /** a registry's name resolves (nothing is sent) */
  registry: boolean;
  /** busybox's path and the first 12 hex of its sha256: the base image's content tag */
  busybox: { path: string; hash: string } | null;
  /** image refs present in the engine */
  images: string[];
  /** golang-go's candidate version in apt: the Go image's content tag */
  goVersion: string | null;
  mirror: string | null;
  vm: { ready: boolean; kernelPackage: string | null; foreign: boolean };
}

export interface ProvisionOptions {
  go: boolean;
  vm: boolean;
  /** scratch folders for the image and VM builds (removed by the executor's ledger) */
  tmp: string;
}

export const VM_DIR = '/var/cache/isolab/vm';
export const DOCKERD_LOG = '/var/log/isolab-dockerd.log';
const sh = (script: string) => ['sh', '-c', script];
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function wantedPackages(f: HostFacts, o: Pick<ProvisionOptions, 'go' | 'vm'>): string[] {
  return [
    ...SUITE_TOOLS, ...HOST_TOOLS,
    ...(f.dockerd || f.engineUp ? [] : [HOST_ENGINE.engine]),
    ...(f.composeUp ? [] : [HOST_ENGINE.compose]),
    ...(o.go ? FOR_GO_IMAGE : []), ...(o.vm ? FOR_VM : []),
  ];
}

/** Phase 1: the packages not yet installed. */
export function packagesPlan(f: HostFacts, o: ProvisionOptions): Step[] {
  const missing = wantedPackages(f, o).filter((p) => !f.installed.includes(p));
  if (!missing.length) return [];
  return [
    { title: `apt-get update (to install ${missing.join(' ')})`, argv: ['apt-get', 'update', '-qq'], timeoutMs: 300_000 },
    { title: `apt-get install ${missing.join(' ')}`,
      argv: ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing], timeoutMs: 900_000 },
  ];
}

/** Phase 2: an engine, started in the background only when none answers (a runner's own is kept). */
export function enginePlan(f: HostFacts): Step[] {
  if (f.engineUp) return [];
  return [{ title: `start dockerd (log: ${DOCKERD_LOG})`, argv: ['dockerd'], background: { log: DOCKERD_LOG, readyWithinMs: 30_000 } }];
}

export const busyboxTag = (hash: string) => `isolab/busybox:${hash}`;
export const goTag = (hash12: string) => `isolab/golang:${hash12}`;
export const egressTag = (hash12: string) => `isolab/egress:${hash12}`;
/** images/egress: the proxy a registries build reaches its registries through (src/grade/service/egress.ts) */
export const EGRESS_DIR = fromRoot('images', 'egress');

/**
 * Phase 3: the offline base images, content-tagged (a warm host reuses them, a changed input
 * rebuilds): busybox-static as isolab/busybox (and `alpine` offline), Debian's golang-go as
 * isolab/golang (and `golang:alpine` offline). `goHash` is sha256("bookworm-minbase-<version>").
 */
export function imagesPlan(f: HostFacts, o: ProvisionOptions, goHash: string | null, egressHash: string | null = null): Step[] {
  if (!f.busybox) throw new Error('busybox-static is not installed: the base image is made from it');
  const steps: Step[] = [];
  const bb = busyboxTag(f.busybox.hash);
  if (!f.images.includes(bb)) {
    const root = path.join(o.tmp, 'busybox');
    steps.push(
      { title: 'busybox rootfs', argv: sh(`set -e; r=${q(root)}; mkdir -p "$r/bin" "$r/tmp" "$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/root"
cp ${q(f.busybox.path)} "$r/bin/busybox"; chroot "$r" /bin/busybox --install -s /bin
echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"; echo 'root:x:0:' >"$r/etc/group"`), timeoutMs: 60_000 },
      { title: `import ${bb} (busybox-static rootfs)`,
        argv: sh(`tar -C ${q(root)} -c . | docker import -c 'CMD ["/bin/sh"]' - ${bb} >/dev/null`), timeoutMs: 120_000 },
    );
  }
  steps.push({ title: `tag ${bb} as isolab/busybox:latest${f.registry ? '' : ', alpine:latest and busybox:latest (no registry reachable)'}`,
    argv: sh(`docker tag ${bb} isolab/busybox:latest${f.registry ? '' : ` && docker tag ${bb} alpine:latest && docker tag ${bb} busybox:latest`}`),
    timeoutMs: 30_000 });
  // With a registry, golang:alpine is pulled by the builds themselves: no local toolchain image.
  if (o.go && !f.registry) {
    if (!goHash) throw new Error('golang-go has no candidate version in apt: run apt-get update');
    if (!f.mirror) throw new Error('no Debian mirror in /etc/apt sources (debootstrap needs one); set ISOLAB_MIRROR=<mirror URL>');
    const gt = goTag(goHash);
    if (!f.images.includes(gt)) {
      const root = path.join(o.tmp, 'golang');
      steps.push(
        { title: `debootstrap bookworm with golang-go from ${f.mirror} (about a minute)`,
          argv: ['debootstrap', '--variant=minbase', '--include=golang-go', 'bookworm', root, f.mirror], timeoutMs: 900_000 },
        { title: 'drop its package cache', argv: ['find', path.join(root, 'var/cache/apt/archives'), '-name', '*.deb', '-delete'] },
        { title: `import ${gt}`,
          argv: sh(`tar -C ${q(root)} -c . | docker import -c 'ENV `
          + `PATH=/usr/lib/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'ENV `
          + `CGO_ENABLED=0' - ${gt} >/dev/null`), timeoutMs: 600_000 },
      );
    }
    steps.push({ title: `tag ${gt} as isolab/golang:latest and golang:alpine (no registry reachable)`,
      argv: sh(`docker tag ${gt} isolab/golang:latest && docker tag ${gt} golang:alpine`), timeoutMs: 30_000 });
  }
  // The egress proxy, compiled from its source with the Go image at hand (its content tag: the source's hash).
  if (o.go && egressHash) {
    const et = egressTag(egressHash);
    if (!f.images.includes(et)) steps.push({ title: `build ${et} (the registries builds' proxy, from images/egress)`,
      argv: ['docker', 'build', '-q', '--network', 'none', '--build-arg', `GO=${f.registry ? 'golang:alpine' : 'isolab/golang:latest'}`,
        '-t', et, EGRESS_DIR], timeoutMs: 600_000 },
    { title: 'remove its build stage', argv: ['docker', 'image', 'prune', '-f', '--filter', 'label=isolab.provision=egress-build'],
      timeoutMs: 60_000 });
    steps.push({ title: `tag ${et} as isolab/egress:latest`, argv: ['docker', 'tag', et, 'isolab/egress:latest'], timeoutMs: 30_000 });
  }
  return steps;
}

/**
 * Phase 4: the bench's VM rung: Debian's cloud kernel (downloaded and unpacked, never installed
 * as this host's kernel) and a busybox initramfs whose /init prints a marker and powers off.
 */
export function vmPlan(f: HostFacts, o: ProvisionOptions): Step[] {
  if (!o.vm) return [];
  const foreign = f.vm.foreign ? [] : foreignPlan(o);
  if (f.vm.ready) return foreign;
  if (!f.vm.kernelPackage)
    throw new Error('no kernel image package in apt (linux-image-cloud-amd64 or linux-image-virtual): run apt-get update');
  if (!f.busybox) throw new Error('busybox-static is not installed: the VM initramfs is made from it');
  const d = path.join(o.tmp, 'vm');
  const init = ['#!/bin/sh', '/bin/busybox mount -t proc proc /proc', 'echo ISOLAB-VM-UP',
    '/bin/busybox free -k | /bin/busybox grep Mem', '/bin/busybox poweroff -f', ''].join('\n');
  return [
    { title: `download ${f.vm.kernelPackage}`,
      argv: sh(`mkdir -p ${q(d)} && cd ${q(d)} && apt-get -o APT::Sandbox::User=root download `
      + `-qq ${q(f.vm.kernelPackage)}`), timeoutMs: 300_000 },
    { title: 'unpack its kernel',
      argv: sh(`mkdir -p ${VM_DIR} && dpkg-deb -x ${q(d)}/*.deb ${q(d)}/x && for k in ${q(d)}/x/boot/vmlinuz-*; do `
      + `cp "$k" ${VM_DIR}/vmlinuz; break; done`), timeoutMs: 120_000 },
    { title: 'the initramfs /init', write: { path: path.join(d, 'initrd/init'), text: init, mode: 0o755 } },
    { title: 'a busybox initramfs',
      argv: sh(`set -e; r=${q(d)}/initrd; mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev"; cp ${q(f.busybox.path)} `
      + `"$r/bin/busybox"; ln -sf busybox "$r/bin/sh"
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -9) >${VM_DIR}/initrd.gz`), timeoutMs: 120_000 },
    { title: 'record the kernel package', write: { path: path.join(VM_DIR, 'kernel-package'), text: `${f.vm.kernelPackage}\n` } },
    ...foreign,
  ];
}

/**
 * The emulation claim's foreign binary: Debian's busybox-static for arm64, through apt with a
 * state of its own in the scratch dir (the host's dpkg never learns the architecture; the
 * archive's signatures are checked with the host's keys), unpacked, never installed.
 */
export function foreignPlan(o: Pick<ProvisionOptions, 'tmp'>): Step[] {
  const d = path.join(o.tmp, 'foreign');
  const apt = [`-o Dir::State::Lists=${q(d)}/lists -o Dir::Cache=${q(d)}/cache -o Dir::State::status=${q(d)}/status`,
    `-o APT::Architecture=${FOREIGN.arch} -o APT::Architectures::=${FOREIGN.arch} -o APT::Sandbox::User=root`].join(' ');
  return [
    { title: `download ${FOREIGN.package} for ${FOREIGN.arch}`, timeoutMs: 300_000,
      argv: sh(`set -e; mkdir -p ${q(d)}/lists/partial ${q(d)}/cache/archives/partial ${q(d)}/dl; : >${q(d)}/status
apt-get ${apt} update -qq; cd ${q(d)}/dl && apt-get ${apt} download -qq ${FOREIGN.package}`) },
    { title: `unpack its busybox as ${VM_DIR}/busybox-${FOREIGN.arch}`, timeoutMs: 60_000,
      argv: sh(`set -e; mkdir -p ${VM_DIR}; dpkg-deb -x ${q(d)}/dl/*.deb ${q(d)}/x; install -m `
        + `0755 ${q(d)}/x/bin/busybox ${VM_DIR}/busybox-${FOREIGN.arch}`) },
  ];
}

/**
 * Phase 5: the host's one-time initialisations, done once here so a first run's leak check sees
 * a settled host: the first `ip netns add` makes /run/netns a mount; docker0's first container
 * brings it up, and the kernel gives it an IPv6 link-local address.
 */
export function settlePlan(id: string): Step[] {
  // Named for provision's own run id (it registers as a run): a run measuring beside a provision
  // saw its unnamed container come and go, and counted it a leak of its own.
  const name = `isolab-${id}-settle`;
  return [
    { title: 'first use of ip netns (/run/netns becomes a mount)',
      argv: sh(`ip netns add ${name} && ip netns delete ${name}`), timeoutMs: 20_000 },
    { title: 'first container on the default bridge (docker0 up)',
      argv: ['docker', 'run', '--rm', '--name', name, '--label', `isolab.run=${id}`, '--network', 'bridge',
      'isolab/busybox:latest', 'true'], timeoutMs: 60_000, optional: true },
  ];
}
