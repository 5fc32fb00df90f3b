// `docker build`, with what a check needs that higher-level clients hide: every step and
// whether it came from the cache (legacy "Using cache", BuildKit "CACHED"), the engine's own
// error text, and — for the ledger — every image the build created, intermediates included
// (the legacy builder leaves a multi-stage build's builder images untagged).
import { docker, localName } from './cli.js';
import { runWatchedBuild } from './build-disk.js';
import { engineName } from '../core/engine-name.js';
import type { RunResult } from '../core/exec.js';
import type { Ledger } from '../core/ledger.js';
import { resourceName } from '../core/names.js';
import { withEngineCache } from './engine-cache.js';
import { openJournal } from './journal.js';
import { withCacheScope, CACHE_LABEL } from './dockerfile.js';
import { runCacheImages } from './run-cache.js';
import { scratchDir } from '../core/fs.js';
import { runId } from '../core/names.js';
import { lstat, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type Builder = 'legacy' | 'buildkit' | 'buildah';

export interface BuildStep {
  n: number;
  instruction: string;
  cached: boolean;
}

export interface Built {
  tag: string;
  id: string;
  steps: BuildStep[];
  output: string;
  durationMs: number;
}

export class BuildError extends Error {
  constructor(readonly output: string, readonly engineError: string) {
    super(`docker build failed: ${engineError}`);
    this.name = 'BuildError';
  }
}

/** Steps from the legacy builder's "Step n/m : X … ---> Using cache" output. */
export function parseLegacySteps(out: string): BuildStep[] {
  const steps: BuildStep[] = [];
  const parts = out.split(/^Step (\d+)\/\d+ : /m);
  for (let i = 1; i < parts.length; i += 2) {
    const body = parts[i + 1] ?? '';
    steps.push({ n: Number(parts[i]), instruction: body.split('\n')[0]!.trim(), cached: /^ ---> Using cache$/m.test(body) });
  }
  return steps;
}

/**
 * Steps from BuildKit's --progress=plain output: "#6 [2/3] ADD hello.sh ." … "#6 CACHED".
 * BuildKit prints vertices as they resolve (cached ones out of order): sort them back into
 * Dockerfile order by their [n/m] within each stage, stages in order of first appearance.
 */
export function parseBuildkitSteps(out: string): BuildStep[] {
  const steps = new Map<string, BuildStep & { stage: string }>();
  const stages: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^#(\d+) \[(?:([\w-]+) )?(\d+)\/\d+\] (.+)$/.exec(line);
    if (m && !steps.has(m[1]!)) {
      const stage = m[2] ?? '';
      if (!stages.includes(stage)) stages.push(stage);
      steps.set(m[1]!, { stage, n: Number(m[3]), instruction: m[4]!.trim(), cached: false });
    }
    const c = /^#(\d+) CACHED$/.exec(line);
    if (c && steps.has(c[1]!)) steps.get(c[1]!)!.cached = true;
  }
  return [...steps.values()]
    .sort((a, b) => stages.indexOf(a.stage) - stages.indexOf(b.stage) || a.n - b.n)
    .map(({ n, instruction, cached }) => ({ n, instruction, cached }));
}

/**
 * Steps from podman's builder (buildah): "STEP 2/3: ADD hello.sh ." … "--> Using cache <id>",
 * a multi-stage build's lines prefixed "[1/2] ". Printed in order, stage by stage.
 */
export function parseBuildahSteps(out: string): BuildStep[] {
  const steps: BuildStep[] = [];
  for (const line of out.split('\n')) {
    const m = /^(?:\[\d+\/\d+\] )?STEP (\d+)\/\d+: (.+)$/.exec(line);
    if (m) steps.push({ n: Number(m[1]), instruction: m[2]!.trim(), cached: false });
    else if (/^--> Using cache [0-9a-f]+/.test(line) && steps.length) steps[steps.length - 1]!.cached = true;
  }
  return steps;
}

export function parseSteps(out: string): BuildStep[] {
  const steps = /^Step \d+\/\d+ : /m.test(out) ? parseLegacySteps(out)
    : /^(?:\[\d+\/\d+\] )?STEP \d+\/\d+: /m.test(out) ? parseBuildahSteps(out) : parseBuildkitSteps(out);
  // The run's own cache-scope LABEL (withCacheScope) is not a step of the author's: the steps
  // after it are numbered as the author's file numbers them (per stage where the builder does).
  const own: BuildStep[] = [];
  let dropped = 0;
  let last = 0;
  for (const st of steps) {
    if (st.n < last) dropped = 0; // a new stage, numbered from 1 again
    last = st.n;
    if (st.instruction.startsWith(`LABEL ${CACHE_LABEL}=`)) dropped++;
    else own.push({ ...st, n: st.n - dropped });
  }
  return own;
}

/** The engine's own error: the last "ERROR"/"error"/"returned a non-zero code" lines. */
export function engineError(out: string): string {
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
  const hits = lines.filter((l) => /error|returned a non-zero code|failed to|not found|no such file/i.test(l));
  return (hits.length ? hits.slice(-3) : lines.slice(-3)).join(' | ');
}

async function imageIds(): Promise<Set<string>> {
  const r = await docker(['images', '-a', '-q', '--no-trunc'], { timeoutMs: 15_000 });
  return new Set(r.stdout.split('\n').filter(Boolean));
}

let baseline: Promise<Set<string>> | undefined;
/**
 * The images there were before this process first built: never its to remove. Taken once, not
 * per build: a layer another suite's build made after it and this build reused from the cache
 * is then removed by whichever of the two cleans up last (the first finds the other's child).
 */
export const imagesBefore = () => (baseline ??= imageIds());

/**
 * Image ids a build's own output names: the legacy builder's " ---> <id>" per step and
 * "Successfully built <id>", BuildKit's "writing image sha256:<id>". Another build running
 * at the same time (another suite, another run) makes images too; only these are this build's.
 */
export function mentionedIds(output: string): string[] {
  // buildah: "--> <id>" per step, "--> Using cache <id>", the new image's full id on a line alone.
  const re = /(?:---> |^--> (?:Using cache )?|Successfully built |writing image sha256:|^(?=[0-9a-f]{64}$))([0-9a-f]{12,64})\b/gm;
  const ids = [...output.matchAll(re)].map((m) => m[1]!);
  return [...new Set(ids)];
}

const bare = (id: string) => id.replace(/^sha256:/, '');

/** The images that appeared since `before` and that `mentioned` (short or full ids) names. */
export const ownNewImages = (now: string[], before: Set<string>, mentioned: string[]) =>
  now.filter((id) => !before.has(id) && mentioned.some((m) => id.replace(/^sha256:/, '').startsWith(m)));

/**
 * Remove this build's images by id, children before parents (retrying until nothing more goes),
 * and first any stopped container made from them (a failed RUN's intermediate container).
 * Builds run side by side (suites of one run, other runs) and share the engine's cache: an image
 * another build reused — tagged by it, its child, or in use by a container — is left to that
 * build's cleanup and returned, never forced away under it.
 */
export async function removeImages(ids: string[], ownTag: (tag: string) => boolean): Promise<{ shared: string[] }> {
  const shared = new Set<string>();
  for (const id of ids) {
    const tags = await docker(['image', 'inspect', '--format', '{{range .RepoTags}}{{.}} {{end}}', id], { check: false, timeoutMs: 15_000 });
    if (tags.stdout.trim().split(/\s+/).filter(Boolean).some((t) => !ownTag(localName(t)))) shared.add(id);
  }
  let left = ids.filter((id) => !shared.has(id));
  for (const id of left) {
    // A failed step's leftover: stopped, made from exactly this image, by the builder (no labels
    // of a run or a compose project). `ancestor=` also matches containers of images built on this
    // one — another suite's, starting right now.
    const cs = await docker(['ps', '-a', '-q', '--no-trunc', '--filter', `ancestor=${id}`, '--filter', 'status=exited',
      '--filter', 'status=created'], { check: false, timeoutMs: 15_000 });
    for (const c of cs.stdout.split('\n').filter(Boolean)) {
      const [image = '', ...labels] = (await docker(['inspect', '--format', '{{.Image}} {{json .Config.Labels}}', c],
        { check: false, timeoutMs: 15_000 })).stdout.trim().split(' ');
      // podman's .Image has no sha256: prefix, docker's has.
      if (bare(image) === bare(id) && !/com\.docker\.compose\.project|isolab\.run/.test(labels.join(' ')))
        await docker(['rm', '-f', c], { check: false, timeoutMs: 30_000 });
    }
  }
  const why = new Map<string, string>();
  for (let pass = 0; pass < 6 && left.length; pass++) {
    const still: string[] = [];
    for (const id of left) {
      const r = await docker(['rmi', id], { check: false, timeoutMs: 30_000 });
      // podman removes an image's untagged parents with it: they are then "image not known".
      if (r.exitCode === 0 || /No such image|image not known/.test(r.stderr)) {
        shared.delete(id);
        continue;
      }
      still.push(id);
      why.set(id, r.stderr.trim().split('\n').pop() ?? '');
      // docker's words, then podman's.
      if (/dependent child images|being used by|referenced in multiple repositories|in use by a container|has dependent children/.test(r.stderr)) shared.add(id);
      else shared.delete(id);
    }
    left = still;
  }
  const stuck = left.filter((id) => !shared.has(id));
  const short = (i: string) => bare(i).slice(0, 12);
  if (stuck.length) throw new Error(`could not remove images ${stuck.map((i) => `${short(i)} (${why.get(i)})`).join(', ')}`);
  return { shared: [...shared] };
}

export interface BuildOptions {
  /** label for the tag: isolab-<run>-<label>:latest */
  label: string;
  dockerfile?: string;
  target?: string;
  noCache?: boolean;
  timeoutMs?: number;
  /** from the host probe: decides the progress flag and how output is parsed */
  builder: Builder;
  /** RUN steps' network ("none" for untrusted input) */
  network?: string;
  /** --build-arg pairs (a registries build's proxy: Docker keeps these out of the image's history) */
  buildArgs?: Record<string, string>;
  /** the CLI's environment beside the run's (DOCKER_BUILDKIT=0 for the classic builder) */
  env?: Record<string, string>;
  /** memory cap of RUN steps (the legacy builder and buildah honour it; BuildKit has no such flag) */
  memoryMb?: number;
  /** what the build may write to the engine's disk (MB): past it, stopped and failed (build-disk.ts) */
  diskMb?: number;
}

/**
 * Build `context`; the ledger removes the tag and every image the build created. Throws a
 * BuildError with the engine's text when the build fails (its leftovers are removed too).
 */
export async function buildImage(ledger: Ledger, context: string, o: BuildOptions): Promise<Built> {
  const tag = `${resourceName(o.label)}:latest`;
  const before = await imagesBefore();
  const started = performance.now();
  // --progress is BuildKit's; the legacy builder's CLI refuses it ("unknown flag").
  // --force-rm: the legacy builder otherwise keeps a failed step's container.
  const progress = o.builder === 'buildkit' ? ['--progress=plain'] : ['--force-rm'];
  const limits = [...(o.network ? ['--network', o.network] : []),
    ...(o.memoryMb && o.builder !== 'buildkit' ? ['--memory', `${o.memoryMb}m`, '--memory-swap', `${o.memoryMb}m`] : [])];
  // The author's Dockerfile with the run's cache scope, beside the context (never inside it: a
  // `COPY . .` would take it into the image).
  const authored = path.join(context, o.dockerfile ?? 'Dockerfile');
  // Read as a file of the context only: a link could name any file of the host.
  if (!(await lstat(authored).then((st) => st.isFile(), () => false)))
    throw new BuildError('', `${o.dockerfile ?? 'Dockerfile'} is not a regular file in the build folder`);
  const scoped = path.join(await scratchDir(ledger, 'dockerfile', { tmpfs: false }), 'Dockerfile');
  await writeFile(scoped, withCacheScope(await readFile(authored, 'utf8'), runId()));
  const args = ['build', ...progress, ...limits, '-f', scoped, ...(o.target ? ['--target', o.target] : []),
    ...(o.noCache ? ['--no-cache'] : []), ...Object.entries(o.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]), '-t', tag, '.'];
  const bounds = { cwd: context, timeoutMs: o.timeoutMs ?? 180_000, env: { DOCKER_CLI_HINTS: 'false', ...o.env } };
  const r: RunResult & { overDisk?: string } = await withEngineCache(`docker build ${tag}`, () => (o.diskMb
    ? runWatchedBuild(engineName(), args, { ...bounds, limitMb: o.diskMb }) : docker(args, { ...bounds, check: false })),
  { mode: 'build' });
  const output = r.stdout + r.stderr;
  // Written before the engine is asked anything more: if it died under the build, `isolab clean` finds these.
  const journal = openJournal(tag);
  await journal.add(output, mentionedIds(output));
  let created: string[] | null = null;
  ledger.add('image', tag, () => withEngineCache(`removing ${tag}`, async () => {
    // The untagged layers under it stay for the run's later builds (run-cache.ts), and so does
    // a layer an earlier build of the run made that this one only tagged (a build stage's last
    // step, under --target): removing its tag would remove it. The image this build made goes.
    const cached = await runCacheImages();
    const image = bare((await docker(['image', 'inspect', '--format', '{{.Id}}', tag], { check: false, timeoutMs: 15_000 })).stdout.trim());
    const made = !!created?.some((id) => bare(id) === image);
    if (made || !cached.has(image)) await docker(['rmi', '-f', ...(made ? ['--no-prune'] : []), tag], { check: false, timeoutMs: 30_000 });
    if (!created) return; // the engine stopped answering before they were listed: the journal keeps them
    await removeImages(created.filter((id) => !cached.has(bare(id))), (t) => t === tag);
    await journal.forget();
  }));
  created = ownNewImages([...(await imageIds())], before, mentionedIds(output));
  if (r.exitCode !== 0) throw new BuildError(output,
    r.overDisk ?? (r.timedOut ? `timed out after ${(o.timeoutMs ?? 180_000) / 1000} s` : engineError(output)));
  const id = (await docker(['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: 15_000 })).stdout.trim();
  return { tag, id, steps: parseSteps(output), output, durationMs: performance.now() - started };
}

export async function imageSize(ref: string): Promise<number> {
  return Number((await docker(['image', 'inspect', '--format', '{{.Size}}', ref], { timeoutMs: 15_000 })).stdout.trim());
}
