// Which base images of a build were this host's offline stand-ins — `isolab provision` tags
// Debian's busybox-static as busybox/alpine and Debian's golang-go as golang:alpine where no
// registry answers — so a grade says what its images were really built from.
import { docker } from '../../docker/cli.js';
import { engineGet, engineSocket } from '../../docker/engine-api.js';
import { engineName } from '../../core/engine-name.js';
import { BASE_TAGS } from '../../docker/base-images.js';

const WHAT: Record<string, string> = { [BASE_TAGS.busybox]: "Debian's busybox-static", [BASE_TAGS.go]: "Debian's golang-go" };

/** The images a Dockerfile's stages start from: not an earlier stage's name, not scratch, not built from an ARG. */
export function baseImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const out: string[] = [];
  for (const line of dockerfile.split(/\r?\n/)) {
    const m = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!m) continue;
    const base = m[1]!.toLowerCase();
    if (!stages.has(base) && base !== 'scratch' && !base.includes('$') && !out.includes(base)) out.push(base);
    if (m[2]) stages.add(m[2].toLowerCase());
  }
  return out;
}

async function imageId(ref: string): Promise<string | null> {
  const socket = engineName() === 'docker' ? engineSocket() : null;
  if (socket) return (await engineGet<{ Id: string }>(socket, `/images/${encodeURIComponent(ref)}/json`).catch(() => null))?.Id ?? null;
  const r = await docker(['image', 'inspect', '--format', '{{.Id}}', ref], { check: false, timeoutMs: 15_000 });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

/** "FROM golang:alpine was isolab/golang:latest here (Debian's golang-go…)" for each base that was a stand-in. */
export async function standInsOf(dockerfile: string): Promise<string[]> {
  const bases = baseImages(dockerfile).filter((b) => !b.startsWith('isolab/'));
  if (!bases.length) return [];
  const [own, theirs] = await Promise.all([Promise.all(Object.keys(WHAT).map(async (r) => [r, await imageId(r)] as const)),
    Promise.all(bases.map(async (b) => [b, await imageId(b)] as const))]);
  const out: string[] = [];
  for (const [base, id] of theirs) {
    const same = own.find(([, o]) => o && o === id);
    if (same) out.push(`FROM ${base} was ${same[0]} on this host (${WHAT[same[0]]}, made by isolab provision: no registry answered)`);
  }
  return out;
}
