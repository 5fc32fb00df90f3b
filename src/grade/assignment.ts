// An assignment declared as data: where each part of a submission lives and what the image and
// compose checks expect of it. The lecture's own is fixtures/grading/lecture.assignment.yaml. A
// part a course leaves out is not graded (`declared` lists the parts it has); within a part it
// declares, a field it leaves out takes the lecture's value, and so do the limits.
import { readFileSync } from 'node:fs';
import { loadSchema, parseDataText } from '../core/data-file.js';
import { fromRoot } from '../core/paths.js';
import { setting } from '../core/settings.js';
import { CLAIMS } from '../claims/catalog.js';

export const PARTS = ['hello', 'compose', 'multistage'] as const;
export type Part = (typeof PARTS)[number];

export interface Assignment {
  name: string;
  /** the parts the assignment declares: only these are graded */
  declared: Part[];
  hello: { dir: string; files: string[]; script: string; output: string };
  compose: { dir: string; file: string; files: string[]; server: string; client: string; port: number; message: string };
  multistage: { dir: string; files: string[]; port: number; maxRatio: number };
  limits: { memoryMb: number; pids: number; cpus: number; buildSeconds: number; upSeconds: number; imageMb: number; outputKb: number };
}

export const LECTURE_ASSIGNMENT = fromRoot('fixtures', 'grading', 'lecture.assignment.yaml');
export const ASSIGNMENT_SCHEMA = loadSchema('assignment.schema.json');

type Partial1<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

/** Read and check an assignment file (sync: the suites read it as they load). */
export function loadAssignment(file = LECTURE_ASSIGNMENT): Assignment {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read assignment ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const own = parseDataText<Partial1<Omit<Assignment, 'declared'>>>(text, file, ASSIGNMENT_SCHEMA);
  const declared = PARTS.filter((p) => own[p]);
  if (!declared.length) throw new Error(`${file} declares no part to grade: give at least one of ${PARTS.join(', ')} `
    + '(isolab grade --init writes a commented example)');
  if (file === LECTURE_ASSIGNMENT) return { ...own, declared } as Assignment;
  // The checks' code reads every part's values as it loads: a part left out carries the
  // lecture's, but is not graded (`declared`).
  const base = loadAssignment();
  const merged = { ...base, name: own.name ?? base.name, declared } as Assignment;
  for (const part of [...PARTS, 'limits'] as const) {
    (merged as unknown as Record<string, unknown>)[part] = { ...base[part], ...(own[part] ?? {}) };
  }
  return merged;
}

/** The assignment of this run: the assignment setting (set by `isolab grade --assignment`), else the lecture's. */
export function currentAssignment(): Assignment {
  return loadAssignment(setting('assignment') ?? LECTURE_ASSIGNMENT);
}

/** The parts of a submission and the claims that read each: a refused part costs those. */
export const PART_CLAIMS = Object.fromEntries(PARTS.map((p) => [p, CLAIMS.filter((c) => c.grades === p).map((c) => c.id)])) as Record<Part, string[]>;

/** The part a check (claim id, or "claim › scenario") reads, or undefined for one of no part. */
export const partOf = (check: string): Part | undefined =>
  PARTS.find((p) => PART_CLAIMS[p].includes(check.split(' › ')[0]!));
