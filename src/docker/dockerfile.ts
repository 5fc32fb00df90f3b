// Just enough Dockerfile reading to find a multi-stage build's stages: the builder is the stage
// the final stage copies from (COPY --from=<name or index>), whatever the author called it.
import { createHash } from 'node:crypto';
import { CACHE_LABEL } from '../core/names.js';

export interface Stage {
  index: number;
  name?: string;
  from: string;
  copiesFrom: string[];
}

export function stages(text: string): Stage[] {
  const out: Stage[] = [];
  // Join continuation lines, drop comments.
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const l of lines) {
    const from = /^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(l);
    if (from) {
      out.push({ index: out.length, from: from[1]!, ...(from[2] ? { name: from[2] } : {}), copiesFrom: [] });
      continue;
    }
    const copy = /^COPY\s+.*--from=(\S+)/i.exec(l);
    if (copy && out.length) out[out.length - 1]!.copiesFrom.push(copy[1]!);
  }
  return out;
}

/** The --target for the builder stage, or null when the Dockerfile has a single stage. */
export function builderTarget(text: string): string | null {
  const s = stages(text);
  if (s.length < 2) return null;
  const ref = s[s.length - 1]!.copiesFrom[0];
  const stage = ref === undefined ? s[0]! : (s.find((x) => x.name === ref) ?? s[Number(ref)]);
  return stage?.name ?? (stage ? String(stage.index) : null);
}

/** The label a run's builds carry right after each FROM: its build cache is its own (see runCache). */
export { CACHE_LABEL };

/**
 * The Dockerfile with `LABEL isolab.cache=<scope> isolab.stage=<hash>` after every FROM. Two runs
 * that build the same folder at the same time otherwise each commit a chain of identical steps,
 * and a later build's cache takes either (a "cached" rebuild then ends on the other run's image),
 * and identical final images share one id under two runs' tags (an `rmi` of one only untags it).
 * The stage's hash (its instructions' text) keeps the chains of different Dockerfiles apart on a
 * shared base: the legacy builder takes the newest child with a step's config as its cache, so a
 * label step common to every chain would start each build on whichever chain was built last.
 * A LABEL adds no layer, so layers, sizes and what the image runs are unchanged.
 */
export function withCacheScope(text: string, scope: string): string {
  const lines = text.split(/\r?\n/);
  const isFrom = (l: string) => /^\s*FROM\s/i.test(l);
  const stageHash = (from: number) => {
    const end = lines.findIndex((l, i) => i > from && isFrom(l));
    return createHash('sha256').update(lines.slice(from, end < 0 ? undefined : end).join('\n')).digest('hex').slice(0, 12);
  };
  const out: string[] = [];
  let fromAt = -1;
  lines.forEach((line, i) => {
    out.push(line);
    if (fromAt < 0 && isFrom(line)) fromAt = i;
    // A FROM continued on the next line (trailing backslash) ends where the continuation does.
    if (fromAt >= 0 && !/\\\s*$/.test(line)) {
      out.push(`LABEL ${CACHE_LABEL}=${scope} ${CACHE_LABEL.replace('cache', 'stage')}=${stageHash(fromAt)}`);
      fromAt = -1;
    }
  });
  return out.join('\n');
}
