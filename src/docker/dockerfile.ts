// Just enough Dockerfile reading to find a multi-stage build's stages: the builder is the stage
// the final stage copies from (COPY --from=<name or index>), whatever the author called it.
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
