// Where isolab's own files are. Modules run from the sources (src/…, under tsx or vitest) or
// compiled (dist/src/…, the npm package; .build/src/…, a clone after `npm ci`): each finds the
// package root by its package.json, so the suites, fixtures, schemas and the netns agent are read
// from one place either way.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setting } from './settings.js';

/** Where compiled copies live: the package's dist/, a clone's .build/ (bin/load.js picks one). */
const COMPILED_DIRS = ['dist', '.build'];

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || COMPILED_DIRS.includes(path.basename(dir))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`isolab: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

/** The package root: the repository checkout, or node_modules/isolab. */
export const ROOT = packageRoot();

/** A path inside the package, e.g. fromRoot('fixtures', 'grading', 'rubric.json'). */
export const fromRoot = (...parts: string[]): string => path.join(ROOT, ...parts);

/** The command, for the processes isolab starts of itself (batch grading, repeats, the reporter's finish). */
export const BIN = fromRoot('bin', 'isolab.js');
/** What finishes an interrupted run (the reporter starts it; not a command of the CLI). */
export const FINISHER = fromRoot('bin', 'finish-interrupted.js');

/** The compiled copy this module was loaded from (dist/ or .build/), or null: the sources. */
export const COMPILED = COMPILED_DIRS.map((d) => fromRoot(d)).find((d) => fileURLToPath(import.meta.url).startsWith(d + path.sep))
  ?? null;

/** Where runs write their report folders (the reports setting, else ./reports). */
export function reportsRoot(): string {
  return path.resolve(setting('reports') ?? 'reports');
}

/** reports/<yyyymmddThhmmss>-<runId>[-kind]: sorted by time, unique per run. */
export function runFolder(runId: string, kind?: string, at = new Date()): string {
  return path.join(reportsRoot(), `${at.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${runId}${kind ? `-${kind}` : ''}`);
}
