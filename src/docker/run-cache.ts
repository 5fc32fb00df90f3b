// A run's build cache. Every image a run's builds make carries LABEL isolab.cache=<run> (the
// Dockerfile is copied with it after each FROM: dockerfile.ts withCacheScope), so two runs never
// share a layer. Within a run, a check's cleanup removes what it tagged and leaves the untagged
// layers under it: the next build of the same steps in the run is a cache hit (grading builds one
// submission's Dockerfile four times). The run's close removes them all, before its leak check;
// `isolab clean` removes a dead run's.
import { run } from '../core/exec.js';
import { engineName, type EngineName } from '../core/engine-name.js';
import { runId } from '../core/names.js';
import { CACHE_LABEL } from './dockerfile.js';

const q = { check: false, timeoutMs: 60_000 } as const;
const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
const filter = (run: string) => ['--filter', `label=${CACHE_LABEL}=${run}`];

/** The images the run's builds made that are still on the engine (full ids, without sha256:). */
export async function runCacheImages(id = runId(), engine: EngineName = engineName()): Promise<Set<string>> {
  return new Set(lines((await run(engine, ['images', '-a', '-q', '--no-trunc', ...filter(id)], q)).stdout).map(bare));
}

export const bare = (id: string) => id.replace(/^sha256:/, '');

/**
 * Remove the run's cached layers (every image with its label that no container uses), newest
 * first so a layer goes after the layers built on it; what could not be removed is named, with
 * the engine's reason. By id, not `image prune`: the engine runs one prune at a time and refuses
 * a second ("a prune operation is already running") — two runs ending together left one's cache.
 * No other run builds on these layers (their label is this run's), so no build waits for this.
 */
export async function dropRunCache(id = runId(),
  engine: EngineName = engineName()): Promise<{ removed: number; left: string[]; error?: string }> {
  const before = await runCacheImages(id, engine);
  let left = [...before];
  let error: string | undefined;
  // A pass removes every layer whose children went before it; chains need one, a tree a few.
  for (let pass = 0; pass < 3 && left.length; pass++) {
    const r = await run(engine, ['rmi', ...(await newestFirst(left, engine))], q);
    left = [...(await runCacheImages(id, engine))];
    error = r.exitCode !== 0 ? (r.stderr || r.stdout).trim().split('\n').pop() : undefined;
  }
  return { removed: before.size - left.length, left, ...(left.length && error ? { error } : {}) };
}

/** Image ids, the newest first (creation time to the nanosecond). */
async function newestFirst(ids: string[], engine: EngineName): Promise<string[]> {
  const r = await run(engine, ['image', 'inspect', '--format', '{{.Created}} {{.Id}}', ...ids], q);
  const seen = lines(r.stdout).map((l) => l.split(' ')).map(([at = '', img = '']) => ({ at, id: bare(img) }));
  const ordered = seen.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).map((x) => x.id);
  return [...ordered, ...ids.filter((i) => !ordered.includes(i))];
}

/** Each image of a run's build cache on the engine, with the run it is for (`sha256:<id>` → run). */
export async function cacheOwners(engine: EngineName): Promise<Record<string, string>> {
  const ids = lines((await run(engine, ['images', '-a', '-q', '--no-trunc', '--filter', `label=${CACHE_LABEL}`], q)).stdout);
  if (!ids.length) return {};
  const r = await run(engine, ['image', 'inspect', '--format', `{{.Id}} {{index .Config.Labels "${CACHE_LABEL}"}}`, ...ids], q);
  return Object.fromEntries(lines(r.stdout).map((l) => l.split(' ')).filter(([, owner]) => owner).map(([img, owner]) => [img!, owner!]));
}

/** The runs whose cached layers are on the engine. */
export async function runsWithCache(engine: EngineName): Promise<string[]> {
  return [...new Set(Object.values(await cacheOwners(engine)))];
}
