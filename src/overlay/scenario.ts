// An OverlayFS scenario, declared as data: the layers and their trees, what is done through
// the merged view, and the state expected afterwards in merged, upper and each lower.
// The runner builds it, runs it, and returns checks (goss-style), not assertions, so the
// same scenario can be run against a stand-in that is not an overlay (the negative control).
import { appendFile, mkdir, rm, writeFile, cp, rename, link, symlink, chmod, chown, truncate, lstat, readlink,
  readFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/exec.js';
import { umount } from '../core/fs.js';
import type { Ledger } from '../core/ledger.js';
import type { Check } from '../types/check.js';
import { mountOverlay, overlayOptions, type OverlaySpec } from './mount.js';
import { writeTree, listTree, readText, isSymlink, isHardlink, type Tree } from './tree.js';
import { whiteoutKind, isOpaque, getXattr } from './inspect.js';
import { mountRootless } from './rootless.js';

/** A lower layer is a tree, or itself an overlay of trees ("could be an overlay itself"). */
export type Layer = Tree | { overlay: { lowers: Tree[]; upper?: Tree } };

import { OPS, type Op } from './ops.js';
export { OPS, type Op };

export interface TreeExpect {
  files?: Record<string, string>;
  absent?: string[];
  dirs?: string[];
  /** path → what readlink gives */
  symlinks?: Record<string, string>;
  /** path → permission bits, octal ('0600') */
  modes?: Record<string, string>;
  nlink?: Record<string, number>;
  /**
   * path → { xattr: value | true (present) | false (absent) }. A name that starts with
   * `overlay.` means the mount's own namespace: trusted.overlay.*, or user.overlay.* when rootless.
   */
  xattrs?: Record<string, Record<string, string | boolean>>;
  /** files that hold no data blocks of their own (a metadata-only copy-up) */
  dataless?: string[];
  /** files that do hold their data (a full copy-up) */
  withData?: string[];
}

export interface OverlayScenario {
  name: string;
  /** Leftmost (index 0) is the top layer, as in lowerdir=a:b. */
  lowers: Layer[];
  /** Present: a writable overlay with upperdir and workdir. Absent: read-only. */
  upper?: Tree;
  /** Mount options beyond the layers, as the kernel spells them: { redirect_dir: on }. */
  options?: Record<string, string>;
  /** Mounted by an unprivileged user in its own user namespace (userxattr). */
  rootless?: boolean;
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
  typeof (l as { overlay?: unknown }).overlay === 'object' && !Array.isArray((l as { overlay?: unknown }).overlay)
    && 'lowers' in (l as { overlay: object }).overlay;

const inside = (p: unknown) => typeof p === 'string' && p !== '' && !path.isAbsolute(p) && !p.split('/').includes('..');

/** Scenario shape errors, found before anything is created. */
export function validateScenario(s: OverlayScenario): string[] {
  const errs: string[] = [];
  if (!s.name) errs.push('name: required');
  if (!Array.isArray(s.lowers) || s.lowers.length === 0) errs.push(`${s.name}: lowers: at least one layer is required`);
  if (!s.upper && (s.lowers?.length ?? 0) < 2) errs.push(`${s.name}: lowers: a read-only overlay (no upper) needs two or more lowers`);
  if (s.rootless && (!s.upper || s.lowers?.some(isStack))) errs.push(`${s.name}: rootless: needs an upper and plain lowers`);
  for (const [i, o] of (s.ops ?? []).entries()) {
    if (!(OPS as readonly string[]).includes(o.op)) errs.push(`${s.name}: ops[${i}].op: unknown "${o.op}"`);
    if (!inside(o.path)) errs.push(`${s.name}: ops[${i}].path: must be relative, inside the merged dir`);
    if ((o.op === 'rename' || o.op === 'link') && !inside(o.to))
      errs.push(`${s.name}: ops[${i}].to: must be relative, inside the merged dir`);
    if (o.op === 'chmod' && !/^0?[0-7]{3,4}$/.test(o.mode)) errs.push(`${s.name}: ops[${i}].mode: octal, like "0600"`);
  }
  if (s.expect.ops && s.expect.ops.length !== (s.ops ?? []).length) errs.push(`${s.name}: expect.ops: one outcome per op`);
  // A link that leads out of the scenario would let its checks read the host's files into the
  // evidence: symlinks point inside, relative, never through "..".
  for (const [i, o] of (s.ops ?? []).entries())
    if (o.op === 'symlink' && !inside(o.target))
    errs.push(`${s.name}: ops[${i}].target: a symlink points inside the merged dir, relative, without ".."`);
  const trees: Array<[string, Tree | undefined]> = [['upper', s.upper],
    ...(s.lowers ?? []).flatMap((l, i): Array<[string, Tree | undefined]> =>
    isStack(l) ? [...l.overlay.lowers.map((t, j): [string, Tree] => [`lowers[${i}].overlay.lowers[${j}]`, t]),
      [`lowers[${i}].overlay.upper`, l.overlay.upper]] : [[`lowers[${i}]`, l]])];
  const walk = (t: Tree | undefined, at: string): void => {
    for (const [k, v] of Object.entries(t ?? {})) {
      if (isSymlink(v)) { if (!inside(v.$symlink))
        errs.push(`${s.name}: ${at}.${k}.$symlink: points inside its layer, relative, without ".."`); }
      else if (typeof v === 'object' && !isHardlink(v)) walk(v, `${at}.${k}`);
    }
  };
  for (const [at, t] of trees) walk(t, at);
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
      case 'rename': await rename(p, path.join(merged, o.to)); break;
      case 'link': await link(p, path.join(merged, o.to)); break;
      case 'symlink': await symlink(o.target, p); break;
      case 'chmod': await chmod(p, parseInt(o.mode, 8)); break;
      case 'chown': await chown(p, o.uid, o.gid); break;
      case 'truncate': await truncate(p, o.size); break;
      case 'setxattr': {
        // No xattr call in node: setfattr (package attr), its errno read from its message.
        const r = await run('setfattr', ['-n', o.name, '-v', o.value, '--', p], { check: false, timeoutMs: 5000 });
        if (r.exitCode !== 0) return /not supported/i.test(r.stderr) ? 'EOPNOTSUPP'
          : /Permission/i.test(r.stderr) ? 'EACCES' : `failed: ${r.stderr.trim()}`;
        break;
      }
    }
    return 'ok';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

/** `overlay.x` is the mount's own xattr namespace: trusted.overlay.x, or user.overlay.x when rootless. */
const xattrName = (name: string, ns: 'trusted' | 'user') => (name.startsWith('overlay.') ? `${ns}.${name}` : name);

async function treeChecks(label: string, dir: string, exp: TreeExpect | undefined, ns: 'trusted' | 'user' = 'trusted'): Promise<Check[]> {
  const checks: Check[] = [];
  const st = (f: string) => lstat(path.join(dir, f)).catch(() => null);
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
  for (const [f, target] of Object.entries(exp?.symlinks ?? {})) {
    const actual = await readlink(path.join(dir, f)).catch((e: NodeJS.ErrnoException) => `not a symlink (${e.code})`);
    checks.push({ ok: actual === target, what: `${label}/${f} is a symlink to ${target}`, expected: target, actual });
  }
  for (const [f, mode] of Object.entries(exp?.modes ?? {})) {
    const m = await st(f);
    const actual = m ? `0${(m.mode & 0o7777).toString(8).padStart(3, '0')}` : 'absent';
    checks.push({ ok: m !== null && (m.mode & 0o7777) === parseInt(mode, 8), what: `${label}/${f} has mode ${mode}`,
      expected: mode, actual });
  }
  for (const [f, n] of Object.entries(exp?.nlink ?? {})) {
    const m = await st(f);
    checks.push({ ok: m?.nlink === n, what: `${label}/${f} has ${n} link(s)`, expected: n, actual: m?.nlink ?? 'absent' });
  }
  for (const [f, attrs] of Object.entries(exp?.xattrs ?? {})) {
    for (const [name, want] of Object.entries(attrs)) {
      const full = xattrName(name, ns);
      const v = await getXattr(path.join(dir, f), full);
      const ok = want === true ? v !== null : want === false ? v === null : v === want;
      const expected = want === true ? 'present' : want === false ? 'absent' : want;
      checks.push({ ok, what: `${label}/${f} ${want === false ? 'has '
        + 'no' : 'has'} ${full}${typeof want === 'string' ? `="${want}"` : ''}`, expected, actual: v === null ? 'absent' : v });
    }
  }
  for (const [list, want] of [[exp?.dataless, false], [exp?.withData, true]] as const) {
    for (const f of list ?? []) {
      const m = await st(f);
      const has = !!m && m.blocks > 0;
      checks.push({ ok: !!m && m.size > 0 && has === want,
        what: `${label}/${f} ${want ? 'holds its data' : 'holds no data of its own (metadata only)'}`,
        expected: want ? 'blocks > 0' : '0 blocks', actual: m ? `${m.blocks} blocks, ${m.size} bytes` : 'absent' });
    }
  }
  return checks;
}

/** Flatten a declared tree to { "dir/file": content } for the untouched-lower check. */
function flatten(t: Tree, prefix = '', root: Tree = t): Record<string, string> {
  const out: Record<string, string> = {};
  const at = (rel: string) => rel.split('/').reduce<unknown>((n, k) => (n as Tree | undefined)?.[k], root);
  for (const [k, v] of Object.entries(t)) {
    const p = prefix ? `${prefix}/${k}` : k;
    if (typeof v === 'string') out[p] = v;
    else if (isHardlink(v)) out[p] = String(at(v.$hardlink));
    else if (!isSymlink(v)) Object.assign(out, flatten(v, p, root));
  }
  return out;
}

/** The kernel's overlay defaults (module parameters): what an option left out means here. */
export async function overlayDefaults(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const k of ['redirect_dir', 'index', 'metacopy', 'xino_auto', 'nfs_export']) {
    const v = await readFile(`/sys/module/overlay/parameters/${k}`, 'utf8').catch(() => null);
    if (v !== null) out[k] = v.trim() === 'Y' ? 'on' : v.trim() === 'N' ? 'off' : v.trim();
  }
  return out;
}

export async function runScenario(ledger: Ledger, root: string, s: OverlayScenario, mode: MountMode = 'overlay'): Promise<ScenarioRun> {
  const errs = validateScenario(s);
  if (errs.length) throw new Error(`invalid overlay scenario: ${errs.join('; ')}`);
  const lowers: string[] = [];
  for (const [i, l] of s.lowers.entries()) lowers.push(await buildLayer(ledger, root, i, l, mode));
  const target = path.join(root, 'merged');
  await mkdir(target);
  const spec: OverlaySpec = { lower: lowers, target, ...(s.options ? { options: s.options } : {}) };
  if (s.upper) {
    spec.upper = path.join(root, 'upper');
    spec.work = path.join(root, 'work');
    await writeTree(spec.upper, s.upper);
    await mkdir(spec.work);
  }
  // Rootless only changes how the real overlay is made; the stand-ins stay what they are.
  const rootless = s.rootless && mode === 'overlay' ? await mountRootless(ledger, root, spec) : null;
  if (!rootless) await makeMerged(ledger, spec, mode);
  const merged = rootless?.merged ?? target;
  const ns = rootless ? 'user' : 'trusted';

  const outcomes: string[] = [];
  for (const o of s.ops ?? []) outcomes.push(rootless ? await rootless.apply(o) : await applyOp(merged, o));

  const checks: Check[] = [];
  const wantOps = s.expect.ops ?? (s.ops ?? []).map(() => 'ok');
  (s.ops ?? []).forEach((o, i) =>
    checks.push({ ok: outcomes[i] === wantOps[i],
      what: `${o.op} ${o.path}${'to' in o ? ` → ${o.to}` : ''} through merged`, expected: wantOps[i], actual: outcomes[i] }));
  checks.push(...(await treeChecks('merged', merged, s.expect.merged, ns)));
  const whiteouts: Record<string, string | null> = {};
  if (s.expect.upper) {
    const upper = spec.upper ?? path.join(root, 'upper');
    checks.push(...(await treeChecks('upper', upper, s.expect.upper, ns)));
    for (const w of s.expect.upper.whiteouts ?? []) {
      const kind = await whiteoutKind(path.join(upper, w), ns);
      whiteouts[w] = kind;
      checks.push({ ok: kind !== null, what: `upper/${w} is a whiteout`,
        expected: `whiteout (0/0 char device or ${ns}.overlay.whiteout)`, actual: kind ?? 'no whiteout' });
    }
    for (const d of s.expect.upper.opaque ?? []) {
      const v = await isOpaque(path.join(upper, d), ns);
      checks.push({ ok: v !== null, what: `upper/${d} is opaque`, expected: `${ns}.overlay.opaque=y`,
        actual: v ? `${ns}.overlay.opaque=${v}` : 'not opaque' });
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
    mode: rootless ? 'overlay, rootless (user namespace, userxattr)' : mode,
    options: overlayOptions({ ...spec, lower: lowers.map((l) => path.relative(root, l)), upper: spec.upper && 'upper',
      work: spec.work && 'work', target }) + (rootless ? ',userxattr' : ''),
    kernelDefaults: await overlayDefaults(),
    ops: (s.ops ?? []).map((o, i) => ({ ...o, outcome: outcomes[i] })),
    merged: await listTree(merged),
    ...(spec.upper ? { upper: await listTree(spec.upper) } : {}),
    ...(Object.keys(whiteouts).length ? { whiteoutKind: whiteouts } : {}),
  };
  return { checks, evidence };
}
