#!/usr/bin/env bash
# isolab provision: make a Debian/Ubuntu host ready for every suite, idempotently.
# Installs missing packages, starts a Docker engine only when none answers, and builds the
# offline base images (busybox → "alpine", Debian golang-go → "golang") when no registry is
# reachable. Never touches an engine that already runs. Prints what it did.
#
# Usage: scripts/provision.sh [--no-go] [--no-vm] [--quiet]
set -euo pipefail

want_go=1 want_vm=1
for arg in "$@"; do
  case "$arg" in
    --no-go) want_go=0 ;;
    --no-vm) want_vm=0 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "provision: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'provision: %s\n' "$*"; }
die() { printf 'provision: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (try: sudo $0)"
command -v apt-get >/dev/null || die "apt-get not found: isolab provisions Debian or Ubuntu hosts only"

# An engine that answers already (GitHub runners) is left alone, and so is its compose.
engine_up() { timeout 10 docker info >/dev/null 2>&1; }
have_compose() {
  timeout 10 docker compose version >/dev/null 2>&1 || timeout 10 docker-compose version >/dev/null 2>&1
}

pkgs=(iproute2 iptables busybox-static util-linux procps kmod tar coreutils attr perl hyperfine shellcheck chromium fonts-dejavu-core)
command -v dockerd >/dev/null || engine_up || pkgs+=(docker.io)
have_compose || pkgs+=(docker-compose)
[ "$want_go" = 1 ] && pkgs+=(debootstrap)
[ "$want_vm" = 1 ] && pkgs+=(qemu-system-x86 cpio)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq || die "apt-get update failed"
  timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
else
  say "packages: all present"
fi

# The engine: start one in the background only when none answers.
if engine_up; then
  say "docker engine: already running ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
else
  command -v dockerd >/dev/null || die "dockerd not found after install"
  say "docker engine: starting dockerd (log: /var/log/isolab-dockerd.log)"
  setsid nohup dockerd >/var/log/isolab-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do engine_up && break; sleep 0.5; done
  engine_up || die "dockerd did not answer within 30 s; see /var/log/isolab-dockerd.log"
  say "docker engine: up ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
fi

# A registry is reachable only if its name resolves; nothing is sent otherwise.
registry=0
getent hosts registry-1.docker.io >/dev/null 2>&1 && registry=1

# Content-addressed tags: a warm host reuses the image, a changed input rebuilds it.
busybox_bin=$(command -v busybox)
bb_hash=$(sha256sum "$busybox_bin" | cut -c1-12)
bb_tag="isolab/busybox:$bb_hash"
if ! docker image inspect "$bb_tag" >/dev/null 2>&1; then
  tmp=$(mktemp -d /tmp/isolab-provision-XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/bin" "$tmp/tmp" "$tmp/etc" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/root"
  cp "$busybox_bin" "$tmp/bin/busybox"
  chroot "$tmp" /bin/busybox --install -s /bin
  echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/etc/passwd"
  echo 'root:x:0:' >"$tmp/etc/group"
  tar -C "$tmp" -c . | timeout 120 docker import -c 'CMD ["/bin/sh"]' - "$bb_tag" >/dev/null
  rm -rf "$tmp"; trap - EXIT
  say "built $bb_tag (busybox-static rootfs)"
else
  say "base image $bb_tag present"
fi
docker tag "$bb_tag" isolab/busybox:latest
if [ "$registry" = 0 ]; then
  # Offline: the lecture's `FROM alpine` must resolve to the busybox stand-in.
  docker tag "$bb_tag" alpine:latest
  say "no registry reachable: alpine:latest -> $bb_tag"
fi

# With a registry, golang:alpine is pulled by the builds themselves: no local toolchain image.
[ "$registry" = 1 ] && [ "$want_go" = 1 ] && { want_go=0; say "registry reachable: builds use golang:alpine, no local Go image"; }
if [ "$want_go" = 1 ]; then
  go_ver=$(apt-cache policy golang-go 2>/dev/null | awk '/Candidate:/ {print $2}')
  go_tag="isolab/golang:$(printf '%s' "bookworm-minbase-$go_ver" | sha256sum | cut -c1-12)"
  if ! docker image inspect "$go_tag" >/dev/null 2>&1; then
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$mirror" ] || die "no Debian mirror found in /etc/apt sources for debootstrap"
    tmp=$(mktemp -d /tmp/isolab-provision-go-XXXXXX)
    trap 'rm -rf "$tmp"' EXIT
    say "building $go_tag with debootstrap from $mirror (about a minute)"
    start=$(date +%s)
    timeout 900 debootstrap --variant=minbase --include=golang-go bookworm "$tmp" "$mirror" \
      >/var/log/isolab-debootstrap.log 2>&1 || die "debootstrap failed; see /var/log/isolab-debootstrap.log"
    rm -rf "$tmp/var/cache/apt/archives"/*.deb
    tar -C "$tmp" -c . | timeout 600 docker import \
      -c 'ENV PATH=/usr/lib/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'ENV CGO_ENABLED=0' - "$go_tag" >/dev/null
    rm -rf "$tmp"; trap - EXIT
    say "built $go_tag in $(( $(date +%s) - start )) s"
  else
    say "go builder image $go_tag present"
  fi
  docker tag "$go_tag" isolab/golang:latest
  [ "$registry" = 0 ] && docker tag "$go_tag" golang:alpine && say "no registry reachable: golang:alpine -> $go_tag"
fi
if [ "$want_vm" = 1 ]; then
  # The VM rung's guest: Debian's cloud kernel (downloaded and unpacked, never installed as
  # the host's kernel) and a busybox initramfs whose /init prints a marker and powers off.
  vm_dir=/var/cache/isolab/vm
  if [ ! -s "$vm_dir/vmlinuz" ] || [ ! -s "$vm_dir/initrd.gz" ]; then
    mkdir -p "$vm_dir"
    # Debian: linux-image-cloud-amd64; Ubuntu: linux-image-virtual. Both name a versioned image.
    pkg=""
    for meta in linux-image-cloud-amd64 linux-image-virtual linux-image-generic; do
      pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
      [ -n "$pkg" ] && break
    done
    [ -n "$pkg" ] || die "no kernel image package found in apt (linux-image-cloud-amd64 or linux-image-virtual); run apt-get update"
    tmp=$(mktemp -d /tmp/isolab-provision-vm-XXXXXX)
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && timeout 300 apt-get -o APT::Sandbox::User=root download -qq "$pkg") || die "apt-get download $pkg failed"
    dpkg-deb -x "$tmp"/*.deb "$tmp/x"
    for k in "$tmp"/x/boot/vmlinuz-*; do cp "$k" "$vm_dir/vmlinuz"; break; done
    mkdir -p "$tmp/initrd/bin" "$tmp/initrd/proc" "$tmp/initrd/sys" "$tmp/initrd/dev"
    cp "$(command -v busybox)" "$tmp/initrd/bin/busybox"
    ln -s busybox "$tmp/initrd/bin/sh"
    printf '%s\n' '#!/bin/sh' '/bin/busybox mount -t proc proc /proc' \
      'echo ISOLAB-VM-UP' '/bin/busybox free -k | /bin/busybox grep Mem' '/bin/busybox poweroff -f' >"$tmp/initrd/init"
    chmod +x "$tmp/initrd/init"
    (cd "$tmp/initrd" && find . | cpio -o -H newc --quiet | gzip -9) >"$vm_dir/initrd.gz"
    echo "$pkg" >"$vm_dir/kernel-package"
    rm -rf "$tmp"; trap - EXIT
    say "VM guest: $pkg kernel + busybox initramfs in $vm_dir"
  else
    say "VM guest present in $vm_dir ($(cat "$vm_dir/kernel-package" 2>/dev/null))"
  fi
fi
# The host's one-time initialisations, done once here so a first run's leak check sees a
# settled host: the first `ip netns add` makes /run/netns a mount; docker0's first container
# brings it up, and the kernel gives it an IPv6 link-local address.
timeout 10 ip netns add isolab-settle && timeout 10 ip netns delete isolab-settle
timeout 60 docker run --rm --network bridge isolab/busybox:latest true >/dev/null 2>&1 \
  || say "note: could not start a container on the default bridge (docker0 not settled)"
say "host settled: /run/netns mounted, docker0 up"
say "done"
