// Files a user writes (assignments, scenarios): YAML or JSON, checked against a JSON Schema kept
// in schemas/, with errors that give file:line and the field. Only the schema keywords isolab's
// own schemas use are understood; an unknown keyword in a schema is a bug, and says so.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { fromRoot } from './paths.js';

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
  description?: string;
  default?: unknown;
  oneOf?: Schema[];
  $schema?: string;
  $id?: string;
  title?: string;
  /** only local references, `#/$defs/<name>` (a tree's directories hold trees) */
  $ref?: string;
  $defs?: Record<string, Schema>;
}

const KNOWN = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'minimum',
  'exclusiveMinimum', 'maximum', 'minLength', 'minItems', 'pattern', 'description', 'default', 'oneOf', '$schema',
  '$id', 'title', '$ref', '$defs']);

export class DataFileError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file} is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'DataFileError';
  }
}

export function loadSchema(name: string): Schema {
  return JSON.parse(readFileSync(fromRoot('schemas', name), 'utf8')) as Schema;
}

const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** Every way `value` departs from `schema`, as "field.path: what is wrong" with the path. */
export function check(schema: Schema, value: unknown, at: Array<string | number> = [],
  root: Schema = schema): Array<{ path: Array<string | number>; message: string }> {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`schema keyword "${k}" is not understood by isolab's checker`);
  if (schema.$ref) {
    const m = /^#\/\$defs\/([\w-]+)$/.exec(schema.$ref);
    const target = m ? root.$defs?.[m[1]!] : undefined;
    if (!target) throw new Error(`schema reference "${schema.$ref}" does not resolve (only #/$defs/<name> is understood)`);
    return check(target, value, at, root);
  }
  const out: Array<{ path: Array<string | number>; message: string }> = [];
  const say = (message: string, p = at) => out.push({ path: p, message });
  if (schema.oneOf) {
    const fits = schema.oneOf.filter((s) => check(s, value, at, root).length === 0);
    // None fits, but one is of the value's type: its own problems say more than "one of".
    const sameType = schema.oneOf.filter((s) => s.type === typeOf(value));
    if (!fits.length && sameType.length === 1 && schema.oneOf.every((s) => s.type)) return check(sameType[0]!, value, at, root);
    if (fits.length !== 1) say(`must be one of: ${schema.oneOf.map((s) => s.description ?? s.type).join('; ')}`);
    return out;
  }
  const t = typeOf(value);
  if (schema.type) {
    const ok = schema.type === 'integer' ? Number.isInteger(value) : t === schema.type;
    if (!ok) {
      say(`must be ${schema.type === 'array' || schema.type === 'object' || schema.type === 'integer' ? 'an' : 'a'} ${schema.type}, got ${t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : JSON.stringify(value)}`);
      return out;
    }
  }
  if (schema.enum && !schema.enum.some((e) => e === value))
    say(`must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) say(`must be ≥ ${schema.minimum}, got ${value}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
      say(`must be > ${schema.exclusiveMinimum}, got ${value}`);
    if (schema.maximum !== undefined && value > schema.maximum) say(`must be ≤ ${schema.maximum}, got ${value}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) say('must not be empty');
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) say(`must match ${schema.pattern}, got ${JSON.stringify(value)}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) say(`needs at least ${schema.minItems} item(s)`);
    if (schema.items) value.forEach((v, i) => out.push(...check(schema.items!, v, [...at, i], root)));
  }
  if (t === 'object') {
    const o = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in o)) say(`"${r}" is required`);
    for (const [k, v] of Object.entries(o)) {
      const sub = schema.properties?.[k];
      if (sub) out.push(...check(sub, v, [...at, k], root));
      else if (schema.additionalProperties === false) {
        const known = Object.keys(schema.properties ?? {});
        say(`unknown field "${k}"${known.length ? ` (known: ${known.join(', ')})` : ''}`, [...at, k]);
      } else if (typeof schema.additionalProperties === 'object') out.push(...check(schema.additionalProperties, v, [...at, k], root));
    }
  }
  return out;
}

/** The line of a field in the parsed document (its key's line for a missing child). */
export function lineOf(doc: Document, lc: LineCounter, p: Array<string | number>): number | null {
  for (let n = p.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(p.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return null;
}

export const fieldPath = (p: Array<string | number>) =>
  (p.length ? p.map((x) => (typeof x === 'number' ? `[${x}]` : x)).join('.').replace(/\.\[/g, '[') : '(top level)');

/** Parse YAML (JSON is YAML) and check it; throws a DataFileError naming file:line and field. */
export function parseDataText<T>(text: string, file: string, schema: Schema): T {
  return parseDataLines<T>(text, file, schema).value;
}

/** The same, with the line of any field: what a scenario's `source` (file:line) is made from. */
export function parseDataLines<T>(text: string, file: string,
  schema: Schema): { value: T; line: (p: Array<string | number>) => number | null } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new DataFileError(file,
      doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`));
  }
  const value = doc.toJS() as unknown;
  const problems = check(schema, value);
  if (problems.length) throw new DataFileError(file,
    problems.map((p) => `${file}:${lineOf(doc, lc, p.path) ?? '?'}: ${fieldPath(p.path)}: ${p.message}`));
  return { value: value as T, line: (p) => lineOf(doc, lc, p) };
}

export async function loadDataFile<T>(file: string, schema: Schema): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DataFileError(file, [`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`]);
  }
  return parseDataText<T>(text, file, schema);
}
