// The import graph of src/, `import type` included (a type names the layer it comes from as a
// value does): no cycles between modules or folders, a leaf of shared types, reports and drivers
// apart, drivers not reading the host probe, src/ not reading suites/ or test/.
import { describe, it, expect } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../../src/core/paths.js';

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(ROOT, dir), { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** file → the files it imports (relative value imports and re-exports). */
async function graph(dirs: string[]): Promise<Map<string, string[]>> {
  const g = new Map<string, string[]>();
  for (const f of (await Promise.all(dirs.map(files))).flat()) {
    const text = await readFile(path.join(ROOT, f), 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\s[^;]*?from '(\.[^']+)'/gm)]
      .map((m) => path.normalize(path.join(path.dirname(f), m[1]!)).replace(/\.js$/, '.ts'));
    g.set(f, targets);
  }
  return g;
}

const folder = (f: string) => f.split('/').slice(0, 2).join('/');
const DRIVERS = ['overlay', 'cgroups', 'netns', 'docker', 'container', 'oci'].map((d) => `src/${d}`);

function cycle(g: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'open');
    stack.push(n);
    for (const m of g.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of g.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

describe('layers', async () => {
  const g = await graph(['src']);
  const edges = [...g].flatMap(([f, ts]) => ts.map((t) => [f, t] as const));
  const between = (from: (f: string) => boolean, to: (t: string) => boolean) =>
    edges.filter(([f, t]) => from(f) && to(t)).map(([f, t]) => `${f} → ${t}`);

  it('no module imports itself back', () => expect(cycle(g)).toBeNull());

  it('no folder imports itself back', () => {
    const folders = new Map<string, string[]>();
    for (const [f, t] of edges)
      if (folder(f) !== folder(t)) folders.set(folder(f), [...new Set([...(folders.get(folder(f)) ?? []), folder(t)])]);
    expect(cycle(folders)).toBeNull();
  });

  it('src/types imports nothing of isolab\'s', () => expect(between((f) => f.startsWith('src/types/'), () => true)).toEqual([]));

  it('reports import no driver; drivers import no result, report or command', () => {
    expect(between((f) => f.startsWith('src/report/'), (t) => DRIVERS.includes(folder(t)))).toEqual([]);
    expect(between((f) => DRIVERS.includes(folder(f)),
      (t) => ['src/results', 'src/report', 'src/cli', 'src/grade'].includes(folder(t)))).toEqual([]);
  });

  it("drivers do not read the host probe: a primitive's probe is its driver's, src/host composes them", () => {
    expect(between((f) => DRIVERS.includes(folder(f)) || f.startsWith('src/vm/'), (t) => folder(t) === 'src/host')).toEqual([]);
  });

  it('src/ imports nothing from suites/ or test/', () => {
    expect(edges.filter(([, t]) => /^(suites|test)\//.test(t)).map(([f, t]) => `${f} → ${t}`)).toEqual([]);
  });
});
