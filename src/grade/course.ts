// A course's assignment declared in the vocabulary of checks: a list of parts (a folder of the
// submission each, an image or a compose project), each a list of checks of the kinds in
// src/grade/checks/registry.ts with points and hints. Read and checked here, every mistake named
// with file:line and field; schemas/assignment.schema.json is the format.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { check, DataFileError, fieldPath, lineOf, type Schema } from '../core/data-file.js';
import { fromRoot } from '../core/paths.js';
import { kindOf } from './checks/registry.js';
import type { CheckKind } from './checks/kind.js';
import { ASSIGNMENT_SCHEMA, loadAssignment, LECTURE_ASSIGNMENT, partOf, type Assignment, type Part } from './assignment.js';
import { CLAIMS } from '../claims/catalog.js';

export type Limits = Assignment['limits'];

export interface Ready {
  http?: { service?: string; port?: number; path: string; status?: number };
  port?: { service?: string; port: number };
  log?: { service?: string; contains: string };
  healthy?: string;
  within?: number;
}

export interface DeclaredCheck {
  /** part.id: the check's name in results and reports */
  id: string;
  kind: CheckKind<unknown>;
  value: unknown;
  points: number;
  hint: string;
  partial: boolean;
  title: string;
  line: number | null;
}

export interface CoursePart {
  name: string;
  dir: string;
  /** a part of the lecture's shape: which, and its fields (the lecture's own where left out) */
  lecture?: { part: Part } & Record<string, unknown>;
  image?: { dockerfile?: string; service?: string; port?: number; command?: string[]; env?: Record<string, string> };
  compose?: { file?: string; service?: string; port?: number };
  /** a part run as root in a throwaway kernel (src/grade/script/): the setup and the kernel's declared settings */
  script?: { run: string[]; within?: number; guest?: string; kernel?: { sysctl?: Record<string, string | number> } };
  ready?: Ready;
  checks: DeclaredCheck[];
}

export interface CourseAssignment {
  name: string;
  file: string;
  /** RUN steps' network while building: none (the default), registries (through the egress proxy) or open */
  build: BuildNetwork;
  limits: Limits;
  parts: CoursePart[];
}

/** The registries a registries build reaches unless the assignment names its own: the package managers' own. */
export const DEFAULT_REGISTRIES = [
  'deb.debian.org', 'security.debian.org', 'archive.ubuntu.com', 'security.ubuntu.com', 'dl-cdn.alpinelinux.org',
  'registry.npmjs.org', 'registry.yarnpkg.com', 'pypi.org', 'files.pythonhosted.org',
  'proxy.golang.org', 'sum.golang.org', 'repo.maven.apache.org', 'repo1.maven.org',
  'index.crates.io', 'static.crates.io', 'rubygems.org', 'index.rubygems.org',
];

export interface BuildNetwork {
  network: 'none' | 'registries' | 'open';
  /** the hosts a registries build reaches (a leading dot: every name under it) */
  registries: string[];
}

/** Is this assignment file in the vocabulary (a `parts:` list) rather than the lecture's shape? */
export const isCourseText = (text: string) => /^parts\s*:/m.test(text);

/** The schema with checks left loose: each check is then checked against its own kind (better errors). */
const LOOSE: Schema = { ...ASSIGNMENT_SCHEMA, $defs: { ...ASSIGNMENT_SCHEMA.$defs, check: { type: 'object' } } };

/** Every regex a value holds (`matches`, compose-file's `excludes`): each must compile. */
function regexProblems(v: unknown, at: Array<string | number>, out: Array<{ path: Array<string | number>; message: string }>, key = ''): void {
  if (typeof v === 'string' && (key === 'matches')) {
    try { new RegExp(v); } catch (e) { out.push({ path: at, message: `not a regular expression: ${(e as Error).message}` }); }
  } else if (Array.isArray(v)) v.forEach((x, i) => regexProblems(x, [...at, i], out, key === 'excludes' ? 'matches' : ''));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) regexProblems(x, [...at, k], out, k);
}

const SERVICE_KINDS = new Set(['http', 'tcp', 'logs', 'persist', 'stop']);

export function parseCourse(text: string, file: string): CourseAssignment {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) throw new DataFileError(file,
    doc.errors.slice(0, 3).map((e) => `${file}:${e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`));
  const raw = doc.toJS() as Record<string, unknown>;
  const problems = check(LOOSE, raw);
  const say = (p: Array<string | number>, message: string) => problems.push({ path: p, message });
  const parts: CoursePart[] = [];
  const names = new Set<string>();
  (Array.isArray(raw?.parts) ? raw.parts as Array<Record<string, unknown>> : []).forEach((p, pi) => {
    if (!p || typeof p !== 'object') return;
    const name = String(p.name ?? `part${pi + 1}`);
    if (names.has(name)) say(['parts', pi, 'name'], `"${name}" names two parts: each part's name is its own`);
    names.add(name);
    const checks: DeclaredCheck[] = [];
    const ids = new Set<string>();
    const isCompose = !!p.compose;
    (Array.isArray(p.checks) ? p.checks as Array<Record<string, unknown>> : []).forEach((c, ci) => {
      const at = ['parts', pi, 'checks', ci];
      if (!c || typeof c !== 'object' || Array.isArray(c)) return;
      const k = kindOf(c);
      if ('problem' in k) return say(at, k.problem);
      for (const x of check(k.kind.schema, k.value, [...at, k.kind.name])) problems.push(x);
      regexProblems(k.value, [...at, k.kind.name], problems);
      if (typeof c.points !== 'number') say(at, '"points" is required');
      if (k.kind.name === 'claim') {
        const id = String(k.value).split(' › ')[0]!;
        const lp = (p.lecture as { part?: Part } | undefined)?.part;
        if (!CLAIMS.some((x) => x.id === id)) say([...at, 'claim'], `unknown claim "${id}" (the ids: isolab run --list)`);
        else if (!lp) say([...at, 'claim'], 'a claim check needs a lecture-shaped part (lecture: { part: hello | compose | multistage })');
        else if (partOf(id) !== lp) say([...at, 'claim'], `${id} checks the lecture's ${partOf(id) ?? 'no'} part, not ${lp}`);
      } else if (p.lecture) say(at, `a lecture-shaped part has claim checks only (${k.kind.name} is for a part with image or compose)`);
      if (k.kind.inKernel && !p.script) say(at, `a ${k.kind.name} check needs a script part (script: { run: [...] })`);
      if (p.script && !k.kind.inKernel && k.kind.name !== 'file') say(at, `a script part has file, reach, sysctl and command checks (not ${k.kind.name})`);
      const needsRunning = SERVICE_KINDS.has(k.kind.name) || ['image', 'run'].includes(k.kind.name);
      if (needsRunning && !p.image && !p.compose) say(at, `a ${k.kind.name} check needs the part to declare an image or a compose project`);
      if (k.kind.name === 'persist' && !isCompose) say(at, 'persist needs a compose part (its data lives in a volume or folder of the project)');
      const id = String(c.id ?? `${k.kind.name}-${ci + 1}`);
      if (ids.has(id)) say([...at, 'id'], `"${id}" names two checks of part ${name}`);
      ids.add(id);
      checks.push({ id: `${name}.${id}`, kind: k.kind, value: k.value, points: Number(c.points), partial: c.partial === true,
        hint: typeof c.hint === 'string' ? c.hint : k.kind.hint(k.value as never), title: safeTitle(k.kind, k.value),
        line: lineOf(doc, lc, at) });
    });
    const lp = (p.lecture as { part?: string } | undefined)?.part;
    if (lp && lp in (ASSIGNMENT_SCHEMA.properties ?? {})) {
      const { part: _, ...fields } = p.lecture as Record<string, unknown>;
      for (const x of check(ASSIGNMENT_SCHEMA.properties![lp]!, fields, ['parts', pi, 'lecture'])) problems.push(x);
    }
    if ([p.lecture, p.image, p.compose, p.script].filter(Boolean).length > 1)
      say(['parts', pi], 'a part is one of: image, compose, script or lecture');
    if (p.lecture && (p.image || p.compose)) say(['parts', pi, 'lecture'], 'a part is lecture-shaped, an image or a compose project: one of them');
    parts.push({ name, dir: String(p.dir ?? '.'), ...(p.lecture ? { lecture: p.lecture as CoursePart['lecture'] } : {}), ...(p.image ? { image: p.image as CoursePart['image'] } : {}),
      ...(p.compose ? { compose: p.compose as CoursePart['compose'] } : {}), ...(p.script ? { script: p.script as CoursePart['script'] } : {}), ...(p.ready ? { ready: p.ready as Ready } : {}), checks });
  });
  if (problems.length) throw new DataFileError(file,
    problems.map((x) => `${file}:${lineOf(doc, lc, x.path) ?? '?'}: ${fieldPath(x.path)}: ${x.message}`));
  const lecture = loadAssignment(LECTURE_ASSIGNMENT);
  const b = (raw.build ?? {}) as { network?: BuildNetwork['network']; registries?: string[] };
  return { name: String(raw.name), file, build: { network: b.network ?? 'none', registries: b.registries ?? DEFAULT_REGISTRIES },
    limits: { ...lecture.limits, ...(raw.limits as Partial<Limits> | undefined ?? {}) }, parts };
}

function safeTitle(k: CheckKind<unknown>, v: unknown): string {
  try {
    return k.title(v as never);
  } catch {
    return k.name;
  }
}

export function loadCourse(file: string): CourseAssignment {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read assignment ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  return parseCourse(text, file);
}

/** Which shape an assignment file has, read without judging it. */
export function isCourseFile(file: string): boolean {
  try {
    return isCourseText(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/** The commented template of every kind (`isolab grade --init` writes it as assignment.yaml). */
export const COURSE_TEMPLATE = fromRoot('fixtures', 'grading', 'course.assignment.yaml');

/**
 * The lecture's shape of a course's lecture-shaped parts, for the suites that run its claims:
 * each part's folder and fields over the lecture's, the course's limits; only those parts declared.
 */
export function lectureShape(a: CourseAssignment): Assignment | null {
  const parts = a.parts.filter((p) => p.lecture);
  if (!parts.length) return null;
  const base = loadAssignment(LECTURE_ASSIGNMENT);
  const out = { ...base, name: a.name, limits: a.limits, declared: parts.map((p) => p.lecture!.part) } as Assignment;
  for (const p of parts) {
    const { part, ...fields } = p.lecture!;
    (out as unknown as Record<string, unknown>)[part] = { ...base[part], ...fields, dir: p.dir };
  }
  return out;
}
