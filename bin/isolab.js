#!/usr/bin/env node
// The isolab command. The npm package runs it compiled (dist/, built when packed: npm run build);
// a checkout runs the TypeScript sources through tsx (a dev dependency).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
let main;
if (existsSync(compiled)) {
  process.setSourceMapsEnabled(true);
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
