// Scenario files: the checks a suite runs, declared as YAML (`kind` + `scenarios`), checked
// against schemas/scenarios.<kind>.schema.json before anything is created. The lecture's own
// live in suites/<suite>/scenarios/; a course adds its folder with `isolab run --scenarios <dir>`
// (ISOLAB_SCENARIOS for `npx vitest`). Each scenario carries the file:line it came from.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataFileError, loadSchema, parseDataLines, type Schema } from '../core/data-file.js';
import { CLAIMS, type ScenarioKind } from '../claims/catalog.js';
import { validateTopology } from '../netns/topology.js';
import { validateScenario, type OverlayScenario } from '../overlay/scenario.js';
import type { NetnsScenario } from '../netns/scenario.js';
import { validateCgroupScenario, type CgroupScenario } from '../cgroups/scenario.js';
import { fromRoot } from '../core/paths.js';
import { setSetting, setting } from '../core/settings.js';

/** What the schema cannot say: hosts a route names, leaves a share names, a probe's hosts. */
const SEMANTIC: Record<Kind, (s: Record<string, unknown>) => string[]> = {
  overlay: (s) => validateScenario(s as unknown as OverlayScenario).map((e) => e.replace(/^[^:]*: /, '')),
  netns: (x) => {
    const s = x as unknown as NetnsScenario;
    const t = { name: 'topology', ...s.topology };
    const out = validateTopology(t);
    out.push(...validateTopology({ ...t, name: 'control', ...s.control }).filter((e) => !out.includes(e.replace(/^control/, 'topology'))));
    const hosts = new Set(s.topology.hosts);
    for (const [k, list] of Object.entries({ reach: s.expect.reach, unreachable: s.expect.unreachable ?? [] })) {
      list.forEach((p, i) => {
        for (const h of [p.from, p.server]) if (h && !hosts.has(h)) out.push(`expect.${k}[${i}]: unknown host "${h}"`);
      });
    }
    return out;
  },
  cgroups: (s) => validateCgroupScenario(s as unknown as CgroupScenario),
  image: () => [],
};

export const KINDS = ['overlay', 'cgroups', 'netns', 'image'] as const satisfies readonly ScenarioKind[];
export type Kind = ScenarioKind;

/** The suite a kind's scenarios run in: its claims' (the catalog's), images with compose. */
export const SUITE_OF = Object.fromEntries(KINDS.map((k) => [k, CLAIMS.find((c) => c.scenarios === k)!.suite])) as Record<Kind, string>;

export interface Declared<T> {
  claim: string;
  name: string;
  /** file:line of the scenario, relative to the working directory when inside it */
  source: string;
  /** a course's file (from --scenarios), not the project's own */
  course: boolean;
  /** the folder of the file, for scenarios that name folders (an image's Dockerfile) */
  dir: string;
  spec: T;
}

const schemas = new Map<Kind, Schema>();
const schemaOf = (k: Kind) => schemas.get(k) ?? schemas.set(k, loadSchema(`scenarios.${k}.schema.json`)).get(k)!;
const head: Schema = { type: 'object', required: ['kind'], properties: { kind: { enum: [...KINDS] } } };

const shown = (file: string) => {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
};

/** One file's scenarios; throws a DataFileError naming file:line and the field. */
export function parseScenarioFile(text: string, file: string,
  course: boolean): { kind: Kind; scenarios: Array<Declared<Record<string, unknown>>> } {
  const name = shown(file);
  const { kind } = parseDataLines<{ kind: Kind }>(text, name, head).value;
  const { value, line } = parseDataLines<{ scenarios: Array<Record<string, unknown> & { claim: string;
    name: string }> }>(text, name, schemaOf(kind));
  const problems: string[] = [];
  const scenarios = value.scenarios.map((s, i) => {
    const def = CLAIMS.find((c) => c.id === s.claim);
    if (!def) problems.push(`${name}:${line(['scenarios', i, 'claim'])}: scenarios[${i}].claim: unknown claim id `
      + `"${s.claim}" (the ids are in docs/claims.md)`);
    else if (def.scenarios !== kind)
      problems.push(`${name}:${line(['scenarios', i, 'claim'])}: scenarios[${i}].claim: "${s.claim}" is not `
      + `a${kind === 'image' ? 'n' : ''} ${kind} claim${def.scenarios ? ` (its scenarios are ${def.scenarios} files)`
        : ': it takes no scenario files'} — the claims each kind takes are in docs/claims.md`);
    for (const e of def ? SEMANTIC[kind](s) : [])
      problems.push(`${name}:${line(['scenarios', i]) ?? '?'}: scenarios[${i}] (${s.name}): ${e}`);
    const { claim, name: title, ...spec } = s;
    return { claim, name: title, source: `${name}:${line(['scenarios', i]) ?? '?'}`, course, dir: path.dirname(file),
      spec: { name: title, ...spec } };
  });
  const seen = new Set<string>();
  value.scenarios.forEach((s, i) => {
    const key = `${s.claim} › ${s.name}`;
    if (seen.has(key)) problems.push(`${name}:${line(['scenarios', i, 'name'])}: scenarios[${i}].name: "${s.name}" `
      + `is already a scenario of ${s.claim}; names must differ`);
    seen.add(key);
  });
  if (problems.length) throw new DataFileError(name, problems);
  return { kind, scenarios };
}

async function yamlFiles(dir: string): Promise<string[]> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new DataFileError(dir, [`${dir}: not a folder of scenario files (give a folder holding *.yaml files)`]);
  return (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => path.join(dir, n));
}

/** Every scenario file in the folders, each checked; all problems of all files in one error. */
export async function loadScenarioDirs(dirs: string[],
  course: boolean): Promise<Array<Declared<Record<string, unknown>> & { kind: Kind }>> {
  const out: Array<Declared<Record<string, unknown>> & { kind: Kind }> = [];
  const problems: string[] = [];
  for (const dir of dirs) {
    let files: string[];
    try {
      files = await yamlFiles(dir);
    } catch (e) {
      problems.push(...(e as DataFileError).problems);
      continue;
    }
    if (course && files.length === 0) problems.push(`${dir}: holds no *.yaml scenario files`);
    for (const f of files) {
      try {
        const { kind, scenarios } = parseScenarioFile(await readFile(f, 'utf8'), f, course);
        out.push(...scenarios.map((s) => ({ ...s, kind })));
      } catch (e) {
        if (e instanceof DataFileError) problems.push(...e.problems);
        else throw e;
      }
    }
  }
  if (problems.length) throw new DataFileError(dirs.join(', '), problems);
  return out;
}

/** A course's folders (the scenarios setting), separated like PATH. */
export const courseDirs = () => (setting('scenarios') ?? '').split(path.delimiter).filter(Boolean).map((d) => path.resolve(d));

type Loaded = Array<Declared<Record<string, unknown>> & { kind: Kind }>;

/** The file a run's parsed scenario set is written to, in its report folder (removed at its end). */
export const SCENARIO_SET_FILE = '.scenarios.json';

/**
 * Parse and check a run's scenarios once — the suites' own files and a course's folders — and
 * hand them to the workers as a file (the scenarioSet setting): no worker parses YAML again.
 * Returns the kinds the course's files hold. Throws a DataFileError naming every problem.
 */
export async function writeScenarioSet(runDir: string, dirs: string[]): Promise<Kind[]> {
  const own = await loadScenarioDirs(KINDS.map((k) => fromRoot('suites', SUITE_OF[k], 'scenarios')), false);
  const course = dirs.length ? await loadScenarioDirs(dirs, true) : [];
  await mkdir(runDir, { recursive: true });
  const file = path.join(runDir, SCENARIO_SET_FILE);
  await writeFile(file, JSON.stringify([...own, ...course]));
  setSetting('scenarioSet', file);
  if (dirs.length) setSetting('scenarios', dirs.join(path.delimiter));
  return [...new Set(course.map((s) => s.kind))];
}

/** The parsed set this worker read, with the file it came from. */
let set: { file: string; scenarios: Loaded } | null = null;

/** The scenarios of one kind a suite runs: its own files, then the course's (parsed once per run where it can be). */
export async function scenariosOf<T>(kind: Kind): Promise<Array<Declared<T>>> {
  const file = setting('scenarioSet');
  if (file && set?.file !== file) set = { file, scenarios: JSON.parse(await readFile(file, 'utf8')) as Loaded };
  const all = file ? set!.scenarios : [...await loadScenarioDirs([fromRoot('suites', SUITE_OF[kind], 'scenarios')], false),
    ...(courseDirs().length ? await loadScenarioDirs(courseDirs(), true) : [])];
  return all.filter((s) => s.kind === kind) as unknown as Array<Declared<T>>;
}
