// What an answer must say, as the course writes it: text that `contains` (one or several),
// `excludes`, `equals` or `matches` a regex; JSON fields by dotted path (`items.0.name`).
// Each matcher is one sub-check with what was expected and what was seen.
import type { Schema } from '../../core/data-file.js';
import type { SubCheck } from './kind.js';

export interface TextMatch {
  contains?: string | string[];
  excludes?: string | string[];
  equals?: string;
  matches?: string;
}

export const TEXT_MATCH_SCHEMA: Record<string, Schema> = {
  contains: { oneOf: [{ type: 'string', description: 'a text' }, { type: 'array', items: { type: 'string' }, description: 'texts' }],
    description: 'text the output must contain (one, or each of a list)' },
  excludes: { oneOf: [{ type: 'string', description: 'a text' }, { type: 'array', items: { type: 'string' }, description: 'texts' }],
    description: 'text it must not contain' },
  equals: { type: 'string', description: 'the whole output, surrounding whitespace ignored' },
  matches: { type: 'string', minLength: 1, description: 'a regular expression (JavaScript) it must match' },
};

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/** At most this much of a seen text in evidence. */
const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…` : s);

export function matchText(what: string, text: string, m: TextMatch): SubCheck[] {
  const out: SubCheck[] = [];
  for (const c of list(m.contains)) out.push({ what: `${what} contains ${JSON.stringify(c)}`, ok: text.includes(c), expected: c, actual: clip(text) });
  for (const c of list(m.excludes)) out.push({ what: `${what} does not contain ${JSON.stringify(c)}`, ok: !text.includes(c),
    expected: `no ${c}`, actual: clip(text) });
  if (m.equals !== undefined) out.push({ what: `${what} is ${JSON.stringify(m.equals)}`, ok: text.trim() === m.equals.trim(),
    expected: m.equals, actual: clip(text) });
  if (m.matches !== undefined) {
    let ok = false;
    try {
      ok = new RegExp(m.matches, 'm').test(text);
    } catch { /* the schema checked the pattern compiles */ }
    out.push({ what: `${what} matches /${m.matches}/`, ok, expected: m.matches, actual: clip(text) });
  }
  return out;
}

/** A value at a dotted path of parsed JSON (`a.b.0.c`), or undefined. */
export function at(value: unknown, dotted: string): unknown {
  let v = value;
  for (const k of dotted.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** Each expected JSON field as a sub-check; a body that is no JSON fails them all, saying so. */
export function matchJson(what: string, body: string, fields: Record<string, unknown>): SubCheck[] {
  let parsed: unknown;
  let bad: string | null = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    bad = `not JSON: ${clip(body, 120)}`;
  }
  return Object.entries(fields).map(([k, want]) => {
    const got = bad ? undefined : at(parsed, k);
    return { what: `${what} JSON ${k} = ${JSON.stringify(want)}`, ok: !bad && JSON.stringify(got) === JSON.stringify(want),
      expected: want, actual: bad ?? (got === undefined ? '(no such field)' : got) };
  });
}

/** A regex a course wrote: null when it compiles, else why not (for the assignment's check). */
export function badRegex(s: string): string | null {
  try {
    new RegExp(s);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
