// An image scenario as data: a Dockerfile folder, and what its image must be — its output, the
// layers it adds over its base, how the build cache behaves. The folder is copied to a scratch
// workspace before anything is built or edited; a course's builds get no network.
import { lstat, readFile, realpath, appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { Check } from '../types/check.js';
import type { Ledger } from '../core/ledger.js';
import { workspace } from '../core/fs.js';
import { runId } from '../core/names.js';
import { buildImage, type BuildStep, type Builder } from './build.js';
import { inspect, runToExit } from './cli.js';
import { ensureImage } from './base-images.js';

export interface ImageScenario {
  name: string;
  dir: string;
  expect: { output?: string; layersOverBase?: number; cache?: { unchanged?: 'cached'; change?: string } };
}

const notFrom = (s: BuildStep) => !/^FROM\b/i.test(s.instruction);
const show = (steps: BuildStep[]) => steps.filter(notFrom).map((s) => `${s.instruction}: ${s.cached ? 'cached' : 'rebuilt'}`);

/** The Dockerfile folder, resolved next to its file; a course's may not leave its scenarios folder. */
export async function imageDir(s: { dir: string }, fileDir: string, course: boolean, courseRoot?: string): Promise<string> {
  const dir = path.resolve(fileDir, s.dir);
  const st = await lstat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new Error(`dir "${s.dir}": ${dir} is not a folder`);
  if (!(await lstat(path.join(dir, 'Dockerfile')).catch(() => null))?.isFile()) throw new Error(`dir "${s.dir}": no Dockerfile in ${dir}`);
  if (course) {
    const root = await realpath(courseRoot ?? fileDir);
    const real = await realpath(dir);
    if (real !== root && !real.startsWith(root + path.sep))
      throw new Error(`dir "${s.dir}" leads outside the scenarios folder ${root}; a course's Dockerfiles live inside it`);
  }
  return dir;
}

/** The first stage's base image (what `FROM` names), for the layer count. */
export async function baseOf(dir: string): Promise<string> {
  const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)/im.exec(await readFile(path.join(dir, 'Dockerfile'), 'utf8'));
  if (!m) throw new Error(`${dir}/Dockerfile has no FROM`);
  return m[1]!;
}

export async function runImageScenario(ledger: Ledger, dir: string, s: ImageScenario,
  o: { builder: Builder; registry: boolean; course: boolean }) {
  const ws = await workspace(ledger, dir, 'scenario');
  const base = await baseOf(ws);
  await ensureImage(base, o.registry);
  const build = (label: string, noCache = false) =>
    buildImage(ledger, ws, { label, builder: o.builder, noCache, ...(o.course ? { network: 'none' } : {}) });
  const first = await build('scen');
  const checks: Check[] = [];
  const evidence: Record<string, unknown> = { dir, base, first: show(first.steps) };
  const said: string[] = [];
  if (s.expect.output !== undefined) {
    const out = await runToExit(ledger, 'scen-run', ['--network', 'none', first.tag], 60_000);
    evidence.output = out.stdout;
    said.push(`prints "${out.stdout.trim()}"`);
    checks.push({ ok: out.stdout.trim() === s.expect.output, what: `it prints ${s.expect.output}`,
      expected: s.expect.output, actual: out.stdout.trim() || out.stderr.trim() });
  }
  if (s.expect.layersOverBase !== undefined) {
    const [b, img] = await Promise.all([base, first.tag].map((r) => inspect<{ RootFS: { Layers: string[] } }>(r, 'image')));
    const added = img!.RootFS.Layers.length - b!.RootFS.Layers.length;
    evidence.layers = { base: b!.RootFS.Layers.length, image: img!.RootFS.Layers.length };
    said.push(`${added} layer(s) over ${base}`);
    checks.push({ ok: b!.RootFS.Layers.every((l, i) => img!.RootFS.Layers[i] === l),
      what: `it starts with ${base}'s layers`, expected: b!.RootFS.Layers.length, actual: img!.RootFS.Layers.length });
    checks.push({ ok: added === s.expect.layersOverBase, what: `${s.expect.layersOverBase} layer(s) over ${base}`,
      expected: s.expect.layersOverBase, actual: added });
  }
  if (s.expect.cache?.unchanged) {
    const again = await build('scen');
    // The negative control: the same build without the cache must fail the check.
    const control = await build('scen-nocache', true);
    const allCached = (steps: BuildStep[]) => steps.filter(notFrom).length > 0 && steps.filter(notFrom).every((x) => x.cached);
    evidence.unchanged = show(again.steps);
    evidence.noCacheControl = show(control.steps);
    said.push(`rebuilt unchanged: ${again.steps.filter(notFrom).filter((x) => x.cached).length}/${again.steps.filter(notFrom).length} cached`);
    checks.push({ ok: allCached(again.steps) && again.id === first.id,
      what: 'rebuilt unchanged, every step comes from the cache (same image)', expected: 'all cached', actual: show(again.steps) });
    checks.push({ ok: !allCached(control.steps), what: 'negative control: with --no-cache the same check fails',
      expected: 'steps rebuilt', actual: show(control.steps) });
  }
  if (s.expect.cache?.change) {
    const f = s.expect.cache.change;
    // Content never built before: BuildKit's cache outlives images.
    await appendFile(path.join(ws, f), `\n# changed by isolab run ${runId()} at ${Date.now()}\n`);
    const changed = await build('scen-changed');
    const steps = changed.steps.filter(notFrom);
    const at = steps.findIndex((x) => /^(ADD|COPY)\b/i.test(x.instruction) && x.instruction.includes(f));
    evidence.changed = show(changed.steps);
    said.push(`${f} edited: ${show(changed.steps).join(', ')}`);
    checks.push({ ok: at >= 0, what: `a step adds ${f}`, expected: `ADD/COPY ${f}`, actual: at >= 0 ? steps[at]!.instruction : 'none' });
    checks.push({ ok: at >= 0 && steps.slice(0, at).every((x) => x.cached), what: `the steps before it stay cached`,
      expected: 'cached', actual: show(steps.slice(0, Math.max(at, 0))) });
    checks.push({ ok: at >= 0 && steps.slice(at).every((x) => !x.cached), what: `it and every later step are rebuilt`,
      expected: 'rebuilt', actual: show(steps.slice(Math.max(at, 0))) });
  }
  return { summary: said.join('; '), evidence, checks };
}
