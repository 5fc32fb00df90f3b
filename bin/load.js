// A module of isolab's, as the package runs it (compiled in dist/, built when packed: npm run
// build), as a clone runs it (compiled into .build/ when `npm ci` runs `prepare`, used while no
// source is newer than that build), or from the TypeScript sources through tsx (a dev dependency).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { newestSource, STAMP } from './sources.js';

/** The compiled copy to run below root: dist/, or .build/ while it is fresh; null for the sources. */
export function compiledDir(root, name = 'src/cli/main') {
  if (existsSync(path.join(root, 'dist', `${name}.js`))) return 'dist';
  if (!existsSync(path.join(root, '.build', `${name}.js`))) return null;
  try {
    const stamp = Number(readFileSync(path.join(root, '.build', STAMP), 'utf8').trim());
    return Number.isFinite(stamp) && newestSource(root) <= stamp ? '.build' : null;
  } catch {
    return null;
  }
}

/** `name` without its extension, from the package root: 'src/cli/main'. */
export async function loadModule(name) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = compiledDir(root, name);
  if (dir) {
    process.setSourceMapsEnabled(true);
    return import(pathToFileURL(path.join(root, dir, `${name}.js`)).href);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(path.join(root, `${name}.ts`)).href);
}
