// File trees declared as data: { "a.txt": "content", "dir": { "b": "x" }, "empty": {} }.
import { mkdir, writeFile, readdir, lstat, readFile } from 'node:fs/promises';
import path from 'node:path';

export type Tree = { [name: string]: string | Tree };

export async function writeTree(root: string, tree: Tree): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const [name, v] of Object.entries(tree)) {
    const p = path.join(root, name);
    if (typeof v === 'string') {
      await mkdir(path.dirname(p), { recursive: true });
      await writeFile(p, v);
    } else await writeTree(p, v);
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
      const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isCharacterDevice() ? 'chardev' : st.isSymbolicLink() ? 'symlink' : 'other';
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
