#!/usr/bin/env node
// `npm ci` in a clone (the `prepare` script): compile the sources once into .build/, so the
// command starts without compiling TypeScript. A failure here never fails the install: the
// command then runs the sources through tsx, as before, only slower to start.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestSource, STAMP } from './sources.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = path.join(root, '.build');
// An installed package runs dist/; `npm pack` and `npm publish` build dist/ themselves (prepack).
if (!existsSync(path.join(root, 'src', 'cli', 'main.ts')) || ['pack', 'publish'].includes(process.env.npm_command ?? '')) {
  process.exit(0);
}
try {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const stamp = newestSource(root);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], { cwd: root, stdio: 'inherit', timeout: 300_000 });
  writeFileSync(path.join(out, STAMP), `${stamp}\n`);
} catch (e) {
  rmSync(out, { recursive: true, force: true });
  console.error(`isolab: the clone's compiled copy was not built (${e.message.split('\n')[0]}); `
    + 'the command runs from the TypeScript sources instead');
}
