// A module of isolab's, as the package runs it (compiled in dist/, built when packed: npm run
// build) or as a checkout does (the TypeScript source through tsx, a dev dependency).
import { existsSync } from 'node:fs';

/** `name` without its extension, from the package root: 'src/cli/main'. */
export async function loadModule(name) {
  const compiled = new URL(`../dist/${name}.js`, import.meta.url);
  if (existsSync(compiled)) {
    process.setSourceMapsEnabled(true);
    return import(compiled.href);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(new URL(`../${name}.ts`, import.meta.url).href);
}
