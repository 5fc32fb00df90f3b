// Mounting an overlay, with the inputs checked first so a mistake is named by its option
// (the kernel only says "wrong fs type, bad option" and logs the cause to dmesg).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/exec.js';
import { umount } from '../core/fs.js';
import type { Ledger } from '../core/ledger.js';

export interface OverlaySpec {
  /** Leftmost is the top layer, as in lowerdir=a:b. */
  lower: string[];
  upper?: string;
  work?: string;
  target: string;
  /** Further mount options, as the kernel spells them: { redirect_dir: 'on', index: 'on' }. */
  options?: Record<string, string | true>;
}

export class OverlayInputError extends Error {
  constructor(readonly option: 'lowerdir' | 'upperdir' | 'workdir' | 'target', message: string) {
    super(`overlay ${option}: ${message}`);
    this.name = 'OverlayInputError';
  }
}

export function overlayOptions(s: OverlaySpec): string {
  const o = [`lowerdir=${s.lower.join(':')}`];
  if (s.upper) o.push(`upperdir=${s.upper}`);
  if (s.work) o.push(`workdir=${s.work}`);
  for (const [k, v] of Object.entries(s.options ?? {})) o.push(v === true ? k : `${k}=${v}`);
  return o.join(',');
}

const isInside = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** Everything the kernel would refuse, found before asking it, named by option. */
export async function validateOverlay(s: OverlaySpec): Promise<void> {
  if (s.lower.length === 0) throw new OverlayInputError('lowerdir', 'at least one lower directory is required');
  for (const l of s.lower) {
    if (l.includes(':') || l.includes(','))
      throw new OverlayInputError('lowerdir', `"${l}" contains ':' or ',' which the option syntax cannot carry`);
    const st = await stat(l).catch(() => null);
    if (!st) throw new OverlayInputError('lowerdir', `"${l}" does not exist`);
    if (!st.isDirectory()) throw new OverlayInputError('lowerdir', `"${l}" is not a directory`);
  }
  if (!s.upper && s.lower.length < 2)
    throw new OverlayInputError('lowerdir', 'a read-only overlay without upperdir needs at least two lower directories');
  if (s.upper && !s.work)
    throw new OverlayInputError('workdir', 'upperdir was given without workdir; both are required for a writable overlay');
  if (s.work && !s.upper) throw new OverlayInputError('upperdir', 'workdir was given without upperdir');
  if (s.upper && s.work) {
    const [u, w] = await Promise.all([stat(s.upper).catch(() => null), stat(s.work).catch(() => null)]);
    if (!u?.isDirectory()) throw new OverlayInputError('upperdir', `"${s.upper}" does not exist or is not a directory`);
    if (!w?.isDirectory()) throw new OverlayInputError('workdir', `"${s.work}" does not exist or is not a directory`);
    if (u.dev !== w.dev) throw new OverlayInputError('workdir',
      `"${s.work}" is on another filesystem than upperdir "${s.upper}"; both must be on the same one`);
    for (const l of s.lower) {
      if (isInside(s.upper, l) || isInside(l, s.upper))
        throw new OverlayInputError('upperdir', `"${s.upper}" overlaps lowerdir "${l}"; layers must not contain each other`);
    }
    if (isInside(s.work, s.upper) || isInside(s.upper, s.work))
      throw new OverlayInputError('workdir', `"${s.work}" overlaps upperdir "${s.upper}"`);
  }
  const t = await stat(s.target).catch(() => null);
  if (!t?.isDirectory()) throw new OverlayInputError('target', `mount point "${s.target}" does not exist or is not a directory`);
}

/** The raw kernel call, no checks: what the lecture types. Throws the mount(8) error. */
export async function mountOverlayRaw(s: OverlaySpec): Promise<void> {
  await run('mount', ['-t', 'overlay', '-o', overlayOptions(s), 'overlay', s.target], { timeoutMs: 10_000 });
}

export async function mountOverlay(ledger: Ledger, s: OverlaySpec): Promise<void> {
  await validateOverlay(s);
  await mountOverlayRaw(s);
  ledger.add('mount', s.target, () => umount(s.target));
}
