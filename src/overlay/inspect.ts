// How overlayfs marks things in the upper dir: a whiteout is a 0/0 character device (or, on
// kernels ≥ 6.7 for nested overlays, a file with trusted.overlay.whiteout); an opaque dir has
// trusted.overlay.opaque="y" (or "x" beside xattr whiteouts). Read with getfattr (package attr).
import { lstat } from 'node:fs/promises';
import { run } from '../core/exec.js';

import type { WhiteoutKind } from '../types/host.js';
export type { WhiteoutKind };

export async function getXattr(p: string, name: string): Promise<string | null> {
  const r = await run('getfattr', ['--absolute-names', '--only-values', '-n', name, p], { check: false, timeoutMs: 5000 });
  return r.exitCode === 0 ? r.stdout : null;
}

/** ns: `user` for an overlay mounted with userxattr (rootless), else `trusted`. */
export async function whiteoutKind(p: string, ns: 'trusted' | 'user' = 'trusted'): Promise<WhiteoutKind | null> {
  const st = await lstat(p).catch(() => null);
  if (!st) return null;
  if (st.isCharacterDevice() && st.rdev === 0) return 'chardev';
  if ((await getXattr(p, `${ns}.overlay.whiteout`)) !== null) return 'xattr';
  return null;
}

export async function isOpaque(p: string, ns: 'trusted' | 'user' = 'trusted'): Promise<string | null> {
  const st = await lstat(p).catch(() => null);
  if (!st?.isDirectory()) return null;
  const v = await getXattr(p, `${ns}.overlay.opaque`);
  return v && /^[yx]/.test(v) ? v.trim() : null;
}
