// A run's build cache. Every image a run's builds make carries LABEL isolab.cache=<run> (the
// Dockerfile is copied with it after each FROM: dockerfile.ts withCacheScope), so two runs never
// share a layer. Within a run, a check's cleanup removes what it tagged and leaves the untagged
// layers under it: the next build of the same steps in the run is a cache hit (grading builds one
// submission's Dockerfile four times). The run's close removes them all, before its leak check;
// `isolab clean` removes a dead run's.
import { run } from '../core/exec.js';
import { engineName, type EngineName } from '../core/engine.js';
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
 * Remove the run's cached layers (every image with its label that no container uses); what
 * could not be removed is named, with the engine's reason.
 */
export async function dropRunCache(id = runId(),
  engine: EngineName = engineName()): Promise<{ removed: number; left: string[]; error?: string }> {
  const before = await runCacheImages(id, engine);
  if (!before.size) return { removed: 0, left: [] };
  const r = await run(engine, ['image', 'prune', '-a', '-f', ...filter(id)], q);
  const left = [...(await runCacheImages(id, engine))];
  return { removed: before.size - left.length, left,
    ...(r.exitCode !== 0 ? { error: (r.stderr || r.stdout).trim().split('\n').pop() } : {}) };
}

/** The runs whose cached layers are on the engine. */
export async function runsWithCache(engine: EngineName): Promise<string[]> {
  const ids = lines((await run(engine, ['images', '-a', '-q', '--no-trunc', '--filter', `label=${CACHE_LABEL}`], q)).stdout);
  if (!ids.length) return [];
  const labels = await run(engine, ['image', 'inspect', '--format', `{{index .Config.Labels "${CACHE_LABEL}"}}`, ...ids], q);
  return [...new Set(lines(labels.stdout))];
}
