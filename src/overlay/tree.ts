// File trees declared as data: { "a.txt": "content", "dir": { "b": "x" }, "empty": {} }, and two
// kinds of entry that are not plain files: { $symlink: "target" } and { $hardlink: "other/name" }.
import { mkdir, writeFile, readdir, lstat, readFile, symlink, link } from 'node:fs/promises';
import path from 'node:path';

export type Special = { $symlink: string } | { $hardlink: string };
export type Tree = { [name: string]: string | Tree | Special };

export const isSymlink = (v: unknown): v is { $symlink: string } => typeof (v as { $symlink?: unknown })?.$symlink === 'string';
export const isHardlink = (v: unknown): v is { $hardlink: string } => typeof (v as { $hardlink?: unknown })?.$hardlink === 'string';

export async function writeTree(root: string, tree: Tree): Promise<void> {
  const links: Array<[string, string]> = [];
  async function write(dir: string, t: Tree) {
    await mkdir(dir, { recursive: true });
    for (const [name, v] of Object.entries(t)) {
      const p = path.join(dir, name);
      if (typeof v === 'string') await writeFile(p, v);
      else if (isSymlink(v)) await symlink(v.$symlink, p);
      else if (isHardlink(v)) links.push([path.join(root, v.$hardlink), p]);
      else await write(p, v);
    }
  }
  await write(root, tree);
  // Hard links last: their first name must exist. A link to a name outside the tree is refused.
  for (const [to, p] of links) {
    if (path.relative(root, to).startsWith('..')) throw new Error(`$hardlink "${to}" points outside its layer`);
    await link(to, p);
  }
}

export interface Node {
  path: string;
  type: 'file' | 'dir' | 'chardev' | 'symlink' | 'other';
  rdev?: number;
  size: number;
}

/** Every entry under root, relative paths, sorted: what a check compares and the evidence shows. */
export async function listTree(root: string): Promise<Node[]> {
  const out: Node[] = [];
  async function walk(rel: string) {
    const names = await readdir(path.join(root, rel)).catch(() => [] as string[]);
    for (const n of names.sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const st = await lstat(path.join(root, r));
      const type = st.isFile() ? 'file'
        : st.isDirectory() ? 'dir' : st.isCharacterDevice() ? 'chardev' : st.isSymbolicLink() ? 'symlink' : 'other';
      out.push({ path: r, type, size: st.size, ...(type === 'chardev' ? { rdev: st.rdev } : {}) });
      if (type === 'dir') await walk(r);
    }
  }
  await walk('');
  return out;
}

export async function readText(p: string): Promise<string | null> {
  return readFile(p, 'utf8').catch(() => null);
}
