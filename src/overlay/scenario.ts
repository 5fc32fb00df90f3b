// An OverlayFS scenario, declared as data: the layers and their trees, what is done through
// the merged view, and the state expected afterwards in merged, upper and each lower.
// The runner builds it, runs it, and returns checks (goss-style), not assertions, so the
// same scenario can be run against a stand-in that is not an overlay (the negative control).
import { appendFile, mkdir, rm, writeFile, cp } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/exec.js';
import { umount } from '../core/fs.js';
import type { Ledger } from '../core/ledger.js';
import type { Check } from '../claims/claim.js';
import { mountOverlay, overlayOptions, type OverlaySpec } from './mount.js';
import { writeTree, listTree, readText, type Tree } from './tree.js';
import { whiteoutKind, isOpaque } from './inspect.js';

/** A lower layer is a tree, or itself an overlay of trees ("could be an overlay itself"). */
export type Layer = Tree | { overlay: { lowers: Tree[]; upper?: Tree } };

export type Op =
  | { op: 'write' | 'append'; path: string; content: string }
  | { op: 'rm' | 'rmdir' | 'mkdir'; path: string };

export interface TreeExpect {
  files?: Record<string, string>;
  absent?: string[];
  dirs?: string[];
}

export interface OverlayScenario {
  name: string;
  /** Leftmost (index 0) is the top layer, as in lowerdir=a:b. */
  lowers: Layer[];
  /** Present: a writable overlay with upperdir and workdir. Absent: read-only. */
  upper?: Tree;
  ops?: Op[];
  expect: {
    merged?: TreeExpect;
    upper?: TreeExpect & { whiteouts?: string[]; opaque?: string[] };
    /** Lowers that must be exactly as declared after the ops (untouched). */
    lowersUntouched?: boolean;
    /** Outcome of each op: 'ok' or an errno code like 'EROFS'. Default all 'ok'. */
    ops?: string[];
  };
}

/** How the merged dir is made: the real overlay, or a stand-in for the negative controls. */
export type MountMode = 'overlay' | 'bind' | 'copy';

const isStack = (l: Layer): l is { overlay: { lowers: Tree[]; upper?: Tree } } =>
  typeof (l as { overlay?: unknown }).overlay === 'object' && !Array.isArray((l as { overlay?: unknown }).overlay) && 'lowers' in (l as { overlay: object }).overlay;

/** Scenario shape errors, found before anything is created. */
export function validateScenario(s: OverlayScenario): string[] {
  const errs: string[] = [];
  if (!s.name) errs.push('name: required');
  if (!Array.isArray(s.lowers) || s.lowers.length === 0) errs.push(`${s.name}: lowers: at least one layer is required`);
  if (!s.upper && (s.lowers?.length ?? 0) < 2) errs.push(`${s.name}: lowers: a read-only overlay (no upper) needs two or more lowers`);
  for (const [i, o] of (s.ops ?? []).entries()) {
    if (!['write', 'append', 'rm', 'rmdir', 'mkdir'].includes(o.op)) errs.push(`${s.name}: ops[${i}].op: unknown "${o.op}"`);
    if (!o.path || path.isAbsolute(o.path) || o.path.split('/').includes('..')) errs.push(`${s.name}: ops[${i}].path: must be relative, inside the merged dir`);
  }
  if (s.expect.ops && s.expect.ops.length !== (s.ops ?? []).length) errs.push(`${s.name}: expect.ops: one outcome per op`);
  return errs;
}

export interface ScenarioRun {
  checks: Check[];
  evidence: Record<string, unknown>;
}

async function buildLayer(ledger: Ledger, root: string, i: number, layer: Layer, mode: MountMode): Promise<string> {
  const dir = path.join(root, `lower${i}`);
  if (!isStack(layer)) {
    await writeTree(dir, layer);
    return dir;
  }
  // A lower that is itself an overlay: build the inner one, mount it, and use its merged dir.
  const inner = path.join(root, `inner${i}`);
  const lowers = await Promise.all(layer.overlay.lowers.map(async (t, j) => {
    const d = path.join(inner, `lower${j}`);
    await writeTree(d, t);
    return d;
  }));
  const spec: OverlaySpec = { lower: lowers, target: dir };
  if (layer.overlay.upper) {
    spec.upper = path.join(inner, 'upper');
    spec.work = path.join(inner, 'work');
    await writeTree(spec.upper, layer.overlay.upper);
    await mkdir(spec.work, { recursive: true });
  }
  await mkdir(dir, { recursive: true });
  await makeMerged(ledger, spec, mode);
  return dir;
}

async function makeMerged(ledger: Ledger, spec: OverlaySpec, mode: MountMode): Promise<void> {
  if (mode === 'overlay') return mountOverlay(ledger, spec);
  if (mode === 'bind') {
    // Not an overlay: the top lower itself appears at the target, writes land in it.
    await run('mount', ['--bind', spec.lower[0]!, spec.target], { timeoutMs: 10_000 });
    ledger.add('mount', spec.target, () => umount(spec.target));
    return;
  }
  // 'copy': a plain directory holding the union, bottom layer first so the top wins.
  for (const l of [...spec.lower].reverse()) await cp(l, spec.target, { recursive: true, force: true });
  if (spec.upper) await cp(spec.upper, spec.target, { recursive: true, force: true });
}

async function applyOp(merged: string, o: Op): Promise<string> {
  const p = path.join(merged, o.path);
  try {
    switch (o.op) {
      case 'write': await writeFile(p, o.content); break;
      case 'append': await appendFile(p, o.content); break;
      case 'rm': await rm(p); break;
      case 'rmdir': await rm(p, { recursive: true }); break;
      case 'mkdir': await mkdir(p); break;
    }
    return 'ok';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

async function treeChecks(label: string, dir: string, exp: TreeExpect | undefined): Promise<Check[]> {
  const checks: Check[] = [];
  for (const [f, content] of Object.entries(exp?.files ?? {})) {
    const actual = await readText(path.join(dir, f));
    checks.push({ ok: actual === content, what: `${label}/${f} reads`, expected: content, actual });
  }
  for (const f of exp?.absent ?? []) {
    const actual = await readText(path.join(dir, f));
    const gone = (await listTree(dir)).every((n) => n.path !== f);
    checks.push({ ok: actual === null && gone, what: `${label}/${f} is absent`, expected: 'absent', actual: gone ? 'absent' : 'present' });
  }
  for (const d of exp?.dirs ?? []) {
    const n = (await listTree(dir)).find((x) => x.path === d);
    checks.push({ ok: n?.type === 'dir', what: `${label}/${d} is a directory`, expected: 'dir', actual: n?.type ?? 'absent' });
  }
  return checks;
}

/** Flatten a declared tree to { "dir/file": content } for the untouched-lower check. */
function flatten(t: Tree, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(t)) {
    const p = prefix ? `${prefix}/${k}` : k;
    if (typeof v === 'string') out[p] = v;
    else Object.assign(out, flatten(v, p));
  }
  return out;
}

export async function runScenario(ledger: Ledger, root: string, s: OverlayScenario, mode: MountMode = 'overlay'): Promise<ScenarioRun> {
  const errs = validateScenario(s);
  if (errs.length) throw new Error(`invalid overlay scenario: ${errs.join('; ')}`);
  const lowers: string[] = [];
  for (const [i, l] of s.lowers.entries()) lowers.push(await buildLayer(ledger, root, i, l, mode));
  const merged = path.join(root, 'merged');
  await mkdir(merged);
  const spec: OverlaySpec = { lower: lowers, target: merged };
  if (s.upper) {
    spec.upper = path.join(root, 'upper');
    spec.work = path.join(root, 'work');
    await writeTree(spec.upper, s.upper);
    await mkdir(spec.work);
  }
  await makeMerged(ledger, spec, mode);

  const outcomes: string[] = [];
  for (const o of s.ops ?? []) outcomes.push(await applyOp(merged, o));

  const checks: Check[] = [];
  const wantOps = s.expect.ops ?? (s.ops ?? []).map(() => 'ok');
  (s.ops ?? []).forEach((o, i) =>
    checks.push({ ok: outcomes[i] === wantOps[i], what: `${o.op} ${o.path} through merged`, expected: wantOps[i], actual: outcomes[i] }));
  checks.push(...(await treeChecks('merged', merged, s.expect.merged)));
  const whiteouts: Record<string, string | null> = {};
  if (s.expect.upper) {
    const upper = spec.upper ?? path.join(root, 'upper');
    checks.push(...(await treeChecks('upper', upper, s.expect.upper)));
    for (const w of s.expect.upper.whiteouts ?? []) {
      const kind = await whiteoutKind(path.join(upper, w));
      whiteouts[w] = kind;
      checks.push({ ok: kind !== null, what: `upper/${w} is a whiteout`, expected: 'whiteout (0/0 char device or trusted.overlay.whiteout)', actual: kind ?? 'no whiteout' });
    }
    for (const d of s.expect.upper.opaque ?? []) {
      const v = await isOpaque(path.join(upper, d));
      checks.push({ ok: v !== null, what: `upper/${d} is opaque`, expected: 'trusted.overlay.opaque=y', actual: v ? `trusted.overlay.opaque=${v}` : 'not opaque' });
    }
  }
  if (s.expect.lowersUntouched) {
    for (const [i, l] of s.lowers.entries()) {
      if (isStack(l)) continue;
      const declared = flatten(l);
      const now = Object.fromEntries(
        (await listTree(lowers[i]!)).filter((n) => n.type === 'file').map((n) => [n.path, null as string | null]));
      for (const f of Object.keys(now)) now[f] = await readText(path.join(lowers[i]!, f));
      const same = JSON.stringify(Object.entries(now).sort()) === JSON.stringify(Object.entries(declared).sort());
      checks.push({ ok: same, what: `lower${i} is untouched`, expected: declared, actual: now });
    }
  }

  const evidence: Record<string, unknown> = {
    mode,
    options: overlayOptions({ ...spec, lower: lowers.map((l) => path.relative(root, l)), upper: spec.upper && 'upper', work: spec.work && 'work' }),
    ops: (s.ops ?? []).map((o, i) => ({ ...o, outcome: outcomes[i] })),
    merged: await listTree(merged),
    ...(spec.upper ? { upper: await listTree(spec.upper) } : {}),
    ...(Object.keys(whiteouts).length ? { whiteoutKind: whiteouts } : {}),
  };
  return { checks, evidence };
}
