// `compose-file`: what the part's compose file declares, read as the student wrote it (before
// the grader contains it): its services, which of them publish ports (and that no other does),
// environment keys, volumes, healthchecks, and text it must not hold.
import { parse } from 'yaml';
import type { Schema } from '../../core/data-file.js';
import type { CheckKind, SubCheck } from './kind.js';
import { PartFailure } from './kind.js';

export interface ComposeFileCheck {
  services?: string[];
  /** exactly these services publish ports; every other publishes none */
  published?: string[];
  environment?: Record<string, string[]>;
  /** a volume or bind mount at each of these targets in the service */
  volumes?: Record<string, string[]>;
  healthcheck?: string[];
  /** regular expressions the file must not match */
  excludes?: string[];
}

type Service = { ports?: unknown[]; environment?: unknown; volumes?: unknown[]; healthcheck?: unknown } | null;

const names: Schema = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } };
const perService: Schema = { type: 'object', additionalProperties: names };

/** A service's environment keys, from the list form (KEY=v) or the map form. */
export function envKeys(env: unknown): string[] {
  if (Array.isArray(env)) return env.map((e) => String(e).split('=')[0]!);
  return env && typeof env === 'object' ? Object.keys(env) : [];
}

/** The container paths a service mounts (short "src:dst[:mode]" or long {target}). */
export function mountTargets(volumes: unknown[] = []): string[] {
  return volumes.map((v) => (typeof v === 'string' ? (v.split(':')[1] ?? v.split(':')[0]!)
    : String((v as { target?: unknown })?.target ?? ''))).map((t) => t.replace(/\/+$/, '') || '/');
}

export const composeFile: CheckKind<ComposeFileCheck> = {
  name: 'compose-file',
  describe: 'the compose file declares services, which publish ports (no other), environment keys, volumes, healthchecks',
  phase: 'files',
  schema: { type: 'object', additionalProperties: false, properties: {
    services: { ...names, description: 'services that must be declared' },
    published: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'the only services that publish ports' },
    environment: { ...perService, description: 'service → environment keys it must set' },
    volumes: { ...perService, description: 'service → container paths with a volume or bind mount' },
    healthcheck: { ...names, description: 'services that declare a healthcheck' },
    excludes: { ...names, description: 'regular expressions the file must not match' } } },
  validate: (v) => (v.excludes ?? []).flatMap((r) => { try { new RegExp(r); return []; } catch (e) { return [`excludes: ${(e as Error).message}`]; } }),
  title: (v) => [v.services && `services ${v.services.join(', ')}`, v.published && `only ${v.published.join(', ') || 'no service'} published`,
    v.environment && 'environment keys', v.volumes && 'volumes', v.healthcheck && 'healthchecks', v.excludes && 'nothing forbidden']
    .filter(Boolean).join('; '),
  async run(v, part) {
    const text = await part.composeText();
    if (text === null) throw new PartFailure('the compose file is not there');
    let doc: { services?: Record<string, Service> } | null;
    try {
      doc = parse(text) as typeof doc;
    } catch (e) {
      throw new PartFailure(`the compose file is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    const services = doc?.services ?? {};
    const has = Object.keys(services);
    const checks: SubCheck[] = [];
    for (const s of v.services ?? []) checks.push({ what: `service ${s} declared`, ok: has.includes(s), expected: s, actual: has });
    if (v.published) {
      const publishing = has.filter((s) => (services[s]?.ports ?? []).length > 0);
      checks.push({ what: `only ${v.published.join(', ') || 'no service'} publish${v.published.length === 1 ? 'es' : ''} ports`,
        ok: JSON.stringify([...publishing].sort()) === JSON.stringify([...v.published].sort()), expected: v.published, actual: publishing });
    }
    for (const [s, keys] of Object.entries(v.environment ?? {})) {
      const set = envKeys(services[s]?.environment);
      for (const k of keys) checks.push({ what: `${s} sets ${k}`, ok: set.includes(k), expected: k, actual: set });
    }
    for (const [s, targets] of Object.entries(v.volumes ?? {})) {
      const mounted = mountTargets(services[s]?.volumes);
      for (const t of targets) checks.push({ what: `${s} mounts a volume at ${t}`, ok: mounted.includes(t.replace(/\/+$/, '') || '/'),
        expected: t, actual: mounted });
    }
    for (const s of v.healthcheck ?? [])
      checks.push({ what: `${s} declares a healthcheck`, ok: !!services[s]?.healthcheck, expected: 'healthcheck', actual: services[s]?.healthcheck ?? 'none' });
    for (const r of v.excludes ?? []) {
      const m = new RegExp(r, 'm').exec(text);
      checks.push({ what: `the file does not match /${r}/`, ok: !m, expected: 'no match', actual: m ? m[0] : 'no match' });
    }
    return { checks, summary: `services: ${has.join(', ') || 'none'}` };
  },
  hint: (v) => (v.published ? `publish ports on ${v.published.join(', ') || 'no service'} only; the others are reached by name`
    : 'declare in the compose file what the assignment asks'),
  example: { value: { services: ['proxy', 'app', 'db'], published: ['proxy'] }, points: 2,
    hint: 'only the proxy publishes a port; app and db are reached by name inside the project' },
};
