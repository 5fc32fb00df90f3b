#!/bin/bash
# usage: runtime.sh [--hostname NAME] [--mem SIZE] -- COMMAND [ARGS…]
# Runs COMMAND as PID 1 of new pid, mount, uts and net namespaces, with its own hostname and
# root (rootfs/), in a cgroup whose memory.max is SIZE.
set -e
name=container mem=
while [ $# -gt 0 ]; do
  case "$1" in
    --hostname) name=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")" && pwd)/rootfs
if [ -n "$mem" ]; then
  cg=/sys/fs/cgroup/runtime-$$
  mkdir "$cg"
  echo "$mem" > "$cg/memory.max"
  echo 0 > "$cg/memory.swap.max" 2>/dev/null || true
  echo $$ > "$cg/cgroup.procs"
fi
exec unshare --fork --mount --uts --net \
  chroot "$root" /bin/sh -c 'mount -t proc proc /proc; mount -t devtmpfs dev /dev; hostname "$0"; exec "$@"' "$name" "$@"
