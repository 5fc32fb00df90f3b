// The sources a compiled copy is built from, and the newest change among them (mtime, ms).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const STAMP = 'built-from';
const TOP = ['src', 'vitest.config.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** The newest modification time of the TypeScript sources below root (0 when there are none). */
export function newestSource(root) {
  let newest = 0;
  const walk = (p) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(path.join(p, n));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const t of TOP) walk(path.join(root, t));
  return newest;
}
