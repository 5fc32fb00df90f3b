// Scratch space for a check: a temp dir on its own tmpfs (fast, and whatever a check does to
// it can't touch the host's filesystems), registered in the ledger. Without root (a student
// grading their own work) there is no tmpfs mount: a plain temp dir, removed the same way.
import { mkdtemp, rm, readFile, cp, stat, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from './exec.js';
import type { Ledger } from './ledger.js';
import { runPrefix } from './names.js';

export async function scratchDir(ledger: Ledger, label: string, opts: { tmpfs?: boolean; sizeMb?: number } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `${runPrefix()}-${label}-`));
  ledger.add('tempdir', dir, () => rm(dir, { recursive: true, force: true }));
  if ((opts.tmpfs ?? true) && process.getuid?.() === 0) {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${opts.sizeMb ?? 64}m,mode=0755`, 'isolab-scratch', dir], { timeoutMs: 10_000 });
    ledger.add('mount', dir, () => umount(dir));
  }
  return dir;
}

/** Unmount, lazily if busy: a mount must never outlive its run. */
export async function umount(target: string): Promise<void> {
  const r = await run('umount', [target], { check: false, timeoutMs: 10_000 });
  if (r.exitCode !== 0 && !/not mounted|no mount point/.test(r.stderr)) {
    await run('umount', ['-l', target], { timeoutMs: 10_000 });
  }
}

export interface MountEntry {
  mountPoint: string;
  fstype: string;
  source: string;
  options: string;
}

export function parseMountinfo(text: string): MountEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pre, post = ''] = line.split(' - ');
      const f = pre!.split(' ');
      const [fstype = '', source = '', superOpts = ''] = post.split(' ');
      return { mountPoint: unescape(f[4] ?? ''), fstype, source, options: `${f[5] ?? ''},${superOpts}` };
    });
}

const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export async function mounts(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

export async function isMountPoint(p: string): Promise<MountEntry | undefined> {
  return (await mounts()).reverse().find((m) => m.mountPoint === p);
}

/** A private copy of a fixture or submission: checks may change it, the original never. */
export async function workspace(ledger: Ledger, source: string, label: string): Promise<string> {
  const st = await stat(source).catch(() => null);
  if (!st?.isDirectory()) throw new Error(`${source} does not exist or is not a directory`);
  const dir = await scratchDir(ledger, label, { sizeMb: 32 });
  // Links are copied as links, never followed (a submission's are checked before this).
  await cp(source, dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

/** Every file a check needs must be there; the error names each missing one. */
export async function requireFiles(dir: string, files: string[], what: string): Promise<void> {
  const missing: string[] = [];
  for (const f of files) await access(path.join(dir, f)).catch(() => missing.push(f));
  if (missing.length) throw new Error(`${what}: missing ${missing.map((m) => `"${m}"`).join(', ')} in ${dir}`);
}
