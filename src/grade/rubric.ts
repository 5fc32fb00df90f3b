// A grading rubric, declared as data: which check, how many points, a hint for a student who
// loses them, and whether partial credit follows the share of the check's sub-checks held.
import { readFile } from 'node:fs/promises';
import { parseDocument, LineCounter } from 'yaml';
import { CLAIMS } from '../claims/catalog.js';
import { check, DataFileError, fieldPath, lineOf, loadSchema } from '../core/data-file.js';
import { loadAssignment, type Assignment } from './assignment.js';
import type { ClaimResult, CheckResult } from '../types/results.js';

export interface RubricItem {
  /** a claim id, or "claim id › scenario" for one scenario of it */
  check: string;
  points: number;
  hint: string;
  partial?: boolean;
}

export interface Rubric {
  name: string;
  checks: RubricItem[];
}

export const RUBRIC_SCHEMA = loadSchema('rubric.schema.json');

/** `{part.field}` in a hint: a value of the assignment (src/grade/assignment.ts). */
const PLACEHOLDER = /\{([a-zA-Z]+)\.([a-zA-Z]+)\}/g;

function valueOf(a: Assignment, part: string, field: string): unknown {
  const p = (a as unknown as Record<string, unknown>)[part];
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>)[field] : undefined;
}

/** The placeholders a hint names that the assignment does not have. */
export function unknownPlaceholders(hint: string, a: Assignment = loadAssignment()): string[] {
  return [...hint.matchAll(PLACEHOLDER)].filter(([, part, field]) => valueOf(a, part!, field!) === undefined).map((m) => m[0]);
}

/** A hint with the assignment's values in place: the folders, services and port the student's own. */
export function fillHint(hint: string, a: Assignment): string {
  return hint.replace(PLACEHOLDER, (whole, part: string, field: string) => {
    const v = valueOf(a, part, field);
    return v === undefined ? whole : Array.isArray(v) ? v.join(', ') : String(v);
  });
}

/** Check a rubric's parsed value: every problem named with its field (file:line when `line` knows it). */
export function validateRubric(r: unknown, file: string, line: (p: Array<string | number>) => number | null = () => null): Rubric {
  const p: string[] = [];
  const at = (path: Array<string | number>, msg: string) => p.push(`${file}:${line(path) ?? '?'}: ${fieldPath(path)}: ${msg}`);
  for (const x of check(RUBRIC_SCHEMA, r)) at(x.path, x.message);
  const o = r as Partial<Rubric>;
  (Array.isArray(o?.checks) ? o.checks : []).forEach((c, i) => {
    const id = typeof c?.check === 'string' ? c.check.split(' › ')[0]! : '';
    if (id && !CLAIMS.some((x) => x.id === id)) at(['checks', i, 'check'], `unknown claim "${id}" (the ids: isolab run --list)`);
    if (typeof c?.hint === 'string') {
      for (const u of unknownPlaceholders(c.hint))
        at(['checks', i, 'hint'],
        `unknown placeholder ${u}: the assignment's fields are hello.*, compose.*, multistage.*, limits.* `
        + `(schemas/assignment.schema.json)`);
    }
  });
  if (p.length) throw new DataFileError(file, p);
  return o as Rubric;
}

export async function loadRubric(file: string): Promise<Rubric> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read rubric ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) throw new DataFileError(file,
    doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`));
  return validateRubric(doc.toJS(), file, (path) => lineOf(doc, lc, path));
}

import type { Scored } from '../types/grade.js';
export type { Scored };

/**
 * Points per rubric item from a run's claims. A check that did not run earns nothing; a
 * refused one (the submission reached for the host) earns nothing, with the reason; a skipped
 * one (this grading host lacks what it needs) is left out of the possible points, so a student
 * is never marked down for the host.
 */
export function score(rubric: Rubric, claims: ClaimResult[],
  refused: Map<string, string> = new Map()): { items: Scored[]; earned: number; possible: number } {
  const items = rubric.checks.map((item): Scored => {
    const [id, scenario] = item.check.split(' › ');
    const why = refused.get(id!);
    if (why) return { check: item.check, points: item.points, earned: 0, verdict: 'refused', hint: item.hint, why };
    const claim = claims.find((c) => c.id === id);
    const target: ClaimResult | CheckResult | undefined = scenario ? claim?.scenarios?.find((s) => s.name === scenario) : claim;
    if (!target) return { check: item.check, points: item.points, earned: 0, verdict: 'not run', hint: item.hint,
      why: 'this check did not run' };
    const checks = target.checks ?? (!scenario && claim?.scenarios ? claim.scenarios.flatMap((s) => s.checks ?? []) : []);
    // The grading host failed under the check: nothing is known of the submission — no hint.
    if (target.verdict === 'error')
      return { check: item.check, points: item.points, earned: 0, verdict: 'error',
      why: `not graded — ${target.reason ?? 'the grading host failed'}` };
    if (target.verdict === 'skip')
      return { check: item.check, points: item.points, earned: 0, verdict: 'skip',
      why: `not graded on this host: ${target.reason ?? 'skipped'}` };
    // `differs`: the submission does what is asked; only the host departs from the slide's number.
    let earned = target.verdict === 'pass' || target.verdict === 'differs' ? item.points : 0;
    if (target.verdict === 'fail' && item.partial && checks.length)
      earned = Math.round((item.points * checks.filter((c) => c.ok).length / checks.length) * 100) / 100;
    const summary = (target.evidence as { summary?: unknown } | undefined)?.summary;
    return {
      check: item.check,
      points: item.points,
      earned,
      verdict: target.verdict,
      ...(typeof summary === 'string' ? { summary } : {}),
      durationMs: target.durationMs,
      ...(earned < item.points ? { hint: item.hint, why: target.reason ?? '' } : {}),
    };
  });
  const counted = items.filter((i) => i.verdict !== 'skip');
  return { items, earned: Math.round(counted.reduce((a, i) => a + i.earned, 0) * 100) / 100,
    possible: counted.reduce((a, i) => a + i.points, 0) };
}
