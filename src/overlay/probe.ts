// Can this host mount an overlay, and which whiteout does the kernel leave in upperdir?
// Probed inside a throwaway mount namespace on its own tmpfs: nothing it mounts can outlive
// it, whatever happens to the caller (SIGINT, kill -9).
import { run } from '../core/exec.js';

import type { OverlayProbe } from '../types/host.js';
export type { OverlayProbe };

const SCRIPT = [
  'set -e',
  'mount -t tmpfs -o size=1m isolab-probe /mnt',
  'mkdir /mnt/l /mnt/u /mnt/w /mnt/m',
  'echo x > /mnt/l/f',
  'mount -t overlay overlay -o lowerdir=/mnt/l,upperdir=/mnt/u,workdir=/mnt/w /mnt/m',
  'rm /mnt/m/f',
  'stat -c "type=%F rdev=%t:%T" /mnt/u/f',
  'getfattr --absolute-names --only-values -n trusted.overlay.whiteout /mnt/u/f >/dev/null 2>&1 && echo xattr=yes || echo xattr=no',
].join('\n');

export async function probeOverlay(): Promise<OverlayProbe> {
  const r = await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', SCRIPT],
    { check: false, timeoutMs: 10_000 }).catch((e: Error) => e);
  if (r instanceof Error) return { supported: false, whiteout: null, reason: r.message };
  if (r.exitCode !== 0) return { supported: false, whiteout: null, reason: r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}` };
  if (/type=character special file rdev=0:0/.test(r.stdout)) return { supported: true, whiteout: 'chardev' };
  if (/xattr=yes/.test(r.stdout)) return { supported: true, whiteout: 'xattr' };
  return { supported: true, whiteout: null, reason: `no whiteout found after deleting a lower file: ${r.stdout.trim()}` };
}
