// `http`: requests to a running service from the grader's probe — one, or a sequence that
// shares the service's state (POST, then GET what was posted) — each answer judged by status,
// body text and JSON fields.
import type { Schema } from '../../core/data-file.js';
import { SERVICE_NAME, type CheckKind, type PartRuntime, type SubCheck } from './kind.js';
import { matchText, matchJson, TEXT_MATCH_SCHEMA, type TextMatch } from './match.js';
import type { HttpRequest } from '../service/http.js';

export interface HttpStep extends HttpRequest, TextMatch {
  status?: number;
  json?: Record<string, unknown>;
  /** header name → text its value contains */
  header?: Record<string, string>;
}

export type HttpCheck = HttpStep | HttpStep[];

export const STEP_SCHEMA: Schema = { type: 'object', additionalProperties: false, required: ['path'], properties: {
  service: { type: 'string', pattern: SERVICE_NAME, description: 'the compose service (an image part: its own)' },
  port: { type: 'integer', minimum: 1, maximum: 65535, description: 'the port it listens on inside the project' },
  method: { type: 'string', pattern: '^[A-Za-z]+$' },
  path: { type: 'string', pattern: '^/[^\\s]*$', description: 'path and query, e.g. /api/v1/status?x=1' },
  headers: { type: 'object', additionalProperties: { type: 'string', pattern: '^[^\\r\\n]*$' } },
  body: { type: 'string', description: 'the request body (sent as application/json unless headers say otherwise)' },
  status: { type: 'integer', minimum: 100, maximum: 599 },
  json: { type: 'object', description: 'dotted path → the value the JSON answer has there' },
  header: { type: 'object', additionalProperties: { type: 'string' }, description: 'answer header → text it contains' },
  ...TEXT_MATCH_SCHEMA } };

const line = (s: HttpStep) => `${(s.method ?? 'GET').toUpperCase()} ${s.path}${s.status ? ` → ${s.status}` : ''}`;

/** One request and its judgement (the sub-checks say which request of a sequence). */
export async function httpStep(s: HttpStep, part: PartRuntime, n?: number): Promise<{ checks: SubCheck[]; seen: string }> {
  const label = `${n !== undefined ? `#${n + 1} ` : ''}${(s.method ?? 'GET').toUpperCase()} ${s.path}`;
  const a = await part.http(s);
  if ('error' in a) return { checks: [{ what: `${label} answers`, ok: false, expected: 'an HTTP answer', actual: a.error }], seen: a.error };
  const checks: SubCheck[] = [];
  if (s.status !== undefined) checks.push({ what: `${label} → ${s.status}`, ok: a.status === s.status, expected: s.status, actual: a.status });
  checks.push(...matchText(`${label} body`, a.body, s));
  if (s.json) checks.push(...matchJson(`${label}`, a.body, s.json));
  for (const [h, c] of Object.entries(s.header ?? {}))
    checks.push({ what: `${label} header ${h} has ${c}`, ok: (a.headers[h.toLowerCase()] ?? '').includes(c), expected: c, actual: a.headers[h.toLowerCase()] ?? '(none)' });
  if (!checks.length) checks.push({ what: `${label} answers`, ok: true, actual: a.status });
  return { checks, seen: `${label} → ${a.status} ${a.body.trim().slice(0, 60)}` };
}

export const http: CheckKind<HttpCheck> = {
  name: 'http',
  describe: 'HTTP requests to a running service (one, or a sequence sharing state): status, body text, JSON fields, headers',
  phase: 'service',
  schema: { oneOf: [{ ...STEP_SCHEMA, description: 'one request' },
    { type: 'array', minItems: 1, items: STEP_SCHEMA, description: 'a sequence of requests, in order, sharing state' }] },
  title: (v) => (Array.isArray(v) ? v.map(line).join(', then ') : line(v)),
  async run(v, part) {
    await part.up();
    const steps = Array.isArray(v) ? v : [v];
    const checks: SubCheck[] = [];
    const seen: string[] = [];
    for (const [i, s] of steps.entries()) {
      const r = await httpStep(s, part, steps.length > 1 ? i : undefined);
      checks.push(...r.checks);
      seen.push(r.seen);
    }
    return { checks, summary: seen.join('; '), evidence: { requests: seen } };
  },
  hint: (v) => `the service must answer ${Array.isArray(v) ? v.map(line).join(', then ') : line(v)} as the assignment describes`,
  example: { value: { port: 8000, path: '/api/v1/status', status: 200, json: { status: 'OK' } }, points: 2,
    hint: 'GET /api/v1/status answers 200 with {"status": "OK"}' },
};
