#!/bin/sh
# A root filesystem for the runtime: a static busybox and its applets, nothing else.
set -e
mkdir -p rootfs/bin rootfs/proc rootfs/tmp rootfs/dev
cp "$(command -v busybox)" rootfs/bin/busybox
chroot rootfs /bin/busybox --install -s /bin
