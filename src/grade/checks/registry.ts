// The kinds of grading checks, in one place: an assignment's check names one kind by its key
// (`http:`, `image:` …) beside its points and hint. The assignment schema's `check` is made from
// here (schemas/assignment.schema.json is written from it and a test keeps the two equal).
import type { CheckKind } from './kind.js';
import type { Schema } from '../../core/data-file.js';
import { file } from './file.js';
import { composeFile } from './compose-file.js';
import { image } from './image.js';
import { runImage } from './run.js';
import { http } from './http.js';
import { tcp } from './tcp.js';
import { logs } from './logs.js';
import { persist } from './persist.js';
import { stop } from './stop.js';
import { claim } from './claim.js';
import { reach } from './reach.js';
import { hops } from './hops.js';
import { nat } from './nat.js';
import { sysctl } from './sysctl.js';
import { command } from './command.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const KINDS: ReadonlyArray<CheckKind<any>> = [file, composeFile, image, runImage, http, tcp, logs, persist, stop, claim, reach, hops, nat, sysctl, command];

/** The keys every check has beside its kind. */
export const COMMON: Record<string, Schema> = {
  points: { type: 'number', exclusiveMinimum: 0, description: 'what the check is worth' },
  hint: { type: 'string', minLength: 1, description: 'told to a student who loses the points' },
  partial: { type: 'boolean', description: 'points in proportion to the sub-checks held' },
  id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'its name in reports (default: <kind>-<n>)' },
};

export const kindNamed = (name: string) => KINDS.find((k) => k.name === name);

/** The kind a check declares: its one key that names a kind. */
export function kindOf(check: Record<string, unknown>): { kind: CheckKind<unknown>; value: unknown } | { problem: string } {
  const keys = Object.keys(check).filter((k) => !(k in COMMON));
  const kinds = keys.filter((k) => kindNamed(k));
  if (kinds.length !== 1) {
    const unknown = keys.filter((k) => !kindNamed(k));
    return { problem: kinds.length > 1 ? `names two kinds (${kinds.join(', ')}): one check, one kind`
      : `names no kind of check${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}; kinds: ${KINDS.map((k) => k.name).join(', ')}` };
  }
  const extra = keys.filter((k) => k !== kinds[0]);
  if (extra.length) return { problem: `unknown field(s) ${extra.join(', ')} beside ${kinds[0]} (a check has: ${kinds[0]}, ${Object.keys(COMMON).join(', ')})` };
  return { kind: kindNamed(kinds[0]!)! as CheckKind<unknown>, value: check[kinds[0]!] };
}

/** The JSON Schema of one check: exactly one kind's key, with points. */
export function checkSchema(): Schema {
  return { oneOf: KINDS.map((k) => ({ type: 'object', additionalProperties: false, required: [k.name, 'points'],
    description: `${k.name}: ${k.describe}`, properties: { [k.name]: k.schema, ...COMMON } })) };
}
