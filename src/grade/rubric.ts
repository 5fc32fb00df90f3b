// A grading rubric, declared as data: which check, how many points, a hint for a student who
// loses them, and whether partial credit follows the share of the check's sub-checks held.
import { readFile } from 'node:fs/promises';
import { CLAIMS } from '../claims/catalog.js';
import type { ClaimResult, CheckResult } from '../results/schema.js';

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

export function validateRubric(r: unknown, file: string): Rubric {
  const p: string[] = [];
  const o = r as Partial<Rubric>;
  if (!o || typeof o !== 'object') throw new Error(`${file}: a rubric is a JSON object with "name" and "checks"`);
  if (typeof o.name !== 'string' || !o.name) p.push('name: a non-empty string is required');
  if (!Array.isArray(o.checks) || !o.checks.length) p.push('checks: a non-empty array is required');
  (o.checks ?? []).forEach((c, i) => {
    const id = typeof c?.check === 'string' ? c.check.split(' › ')[0]! : '';
    if (!id) p.push(`checks[${i}].check: required`);
    else if (!CLAIMS.some((x) => x.id === id)) p.push(`checks[${i}].check: unknown claim "${id}"`);
    if (typeof c?.points !== 'number' || !(c.points > 0)) p.push(`checks[${i}].points: a number > 0 is required`);
    if (typeof c?.hint !== 'string' || !c.hint) p.push(`checks[${i}].hint: a hint for the student is required`);
  });
  if (p.length) throw new Error(`invalid rubric ${file}: ${p.join('; ')}`);
  return o as Rubric;
}

export async function loadRubric(file: string): Promise<Rubric> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read rubric ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`rubric ${file} is not JSON: ${(e as Error).message}`);
  }
  return validateRubric(json, file);
}

export interface Scored {
  check: string;
  points: number;
  earned: number;
  verdict: 'pass' | 'differs' | 'fail' | 'skip' | 'error' | 'not run' | 'refused';
  hint?: string;
  why?: string;
  durationMs?: number;
}

/**
 * Points per rubric item from a run's claims. A check that did not run earns nothing; a
 * refused one (the submission reached for the host) earns nothing, with the reason; a skipped
 * one (this grading host lacks what it needs) is left out of the possible points, so a student
 * is never marked down for the host.
 */
export function score(rubric: Rubric, claims: ClaimResult[], refused: Map<string, string> = new Map()): { items: Scored[]; earned: number; possible: number } {
  const items = rubric.checks.map((item): Scored => {
    const [id, scenario] = item.check.split(' › ');
    const why = refused.get(id!);
    if (why) return { check: item.check, points: item.points, earned: 0, verdict: 'refused', hint: item.hint, why };
    const claim = claims.find((c) => c.id === id);
    const target: ClaimResult | CheckResult | undefined = scenario ? claim?.scenarios?.find((s) => s.name === scenario) : claim;
    if (!target) return { check: item.check, points: item.points, earned: 0, verdict: 'not run', hint: item.hint, why: 'this check did not run' };
    const checks = target.checks ?? (!scenario && claim?.scenarios ? claim.scenarios.flatMap((s) => s.checks ?? []) : []);
    // The grading host failed under the check: nothing is known of the submission — no hint.
    if (target.verdict === 'error') return { check: item.check, points: item.points, earned: 0, verdict: 'error', why: `not graded — ${target.reason ?? 'the grading host failed'}` };
    if (target.verdict === 'skip') return { check: item.check, points: item.points, earned: 0, verdict: 'skip', why: `not graded on this host: ${target.reason ?? 'skipped'}` };
    // `differs`: the submission does what is asked; only the host departs from the slide's number.
    let earned = target.verdict === 'pass' || target.verdict === 'differs' ? item.points : 0;
    if (target.verdict === 'fail' && item.partial && checks.length) earned = Math.round((item.points * checks.filter((c) => c.ok).length / checks.length) * 100) / 100;
    return {
      check: item.check,
      points: item.points,
      earned,
      verdict: target.verdict,
      durationMs: target.durationMs,
      ...(earned < item.points ? { hint: item.hint, why: target.reason ?? '' } : {}),
    };
  });
  const counted = items.filter((i) => i.verdict !== 'skip');
  return { items, earned: Math.round(counted.reduce((a, i) => a + i.earned, 0) * 100) / 100, possible: counted.reduce((a, i) => a + i.points, 0) };
}
