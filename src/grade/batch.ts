// `isolab grade --batch <folder>`: one sub-folder per student, graded one at a time, each in
// its own isolab process (a crash or hang costs that student's row, not the class). Rows land
// in grades.csv as each student finishes, so a killed batch resumes where it stopped;
// `--shard i/n` splits a class across GitHub Actions jobs and `--merge` joins their CSVs.
import { readdir, readFile, appendFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/exec.js';
import type { Rubric } from './rubric.js';
import type { Grade } from './formats.js';
import { BIN } from '../core/paths.js';
import { envWith } from '../core/settings.js';


export const csvField = (v: unknown) => {
  // Folder names and notes come from submissions: a cell a spreadsheet would read as a formula
  // (=, +, -, @) is kept as text.
  const raw = String(v ?? '');
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(raw) && !/^-?\d+(\.\d+)?$/.test(raw) ? `'${raw}` : raw;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (q) {
      if (ch === '"' && text[i + 1] === '"') (f += '"'), i++;
      else if (ch === '"') q = false;
      else f += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') row.push(f), (f = '');
    else if (ch === '\n') row.push(f), rows.push(row), (row = []), (f = '');
    else if (ch !== '\r') f += ch;
  }
  if (f || row.length) row.push(f), rows.push(row);
  return rows;
}

export function parseShard(s: string | undefined): { i: number; n: number } | null {
  if (!s) return null;
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new Error(`--shard ${s}: expected i/n with 1 ≤ i ≤ n, e.g. 2/4`);
  return { i: Number(m[1]), n: Number(m[2]) };
}

export function header(rubric: Rubric): string[] {
  return ['student', ...rubric.checks.map((c) => c.check), 'score', 'possible', 'status', 'note'];
}

export interface BatchOptions {
  assignment?: string;
  rubric: Rubric;
  rubricFile?: string;
  shard?: string;
  out: string;
  format?: string[];
  timeoutMs?: number;
}

/** The status of a row the grading host failed under; the next --batch run grades it again. */
export const INCOMPLETE = 'incomplete';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const duration = (s: number) => (s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);

export async function gradeBatch(folder: string,
  o: BatchOptions): Promise<{ graded: number; skipped: number; errors: number; incomplete: number; csv: string; secondsEach: number[] }> {
  const shard = parseShard(o.shard);
  const all = (await readdir(folder, { withFileTypes: true })).filter((e) =>
    e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  const mine = shard ? all.filter((_, k) => k % shard.n === shard.i - 1) : all;
  await mkdir(o.out, { recursive: true });
  const csv = path.join(o.out, shard ? `grades-${shard.i}-of-${shard.n}.csv` : 'grades.csv');
  const head = header(o.rubric);
  const existing = await readFile(csv, 'utf8').then(parseCsv, () => [] as string[][]);
  if (existing.length && existing[0]!.join(',') !== head.join(','))
    throw new Error(`${csv} was written for another rubric (its columns differ); move it away or pass another --out`);
  if (!existing.length) await writeFile(csv, head.map(csvField).join(',') + '\n');
  // A grade the host failed under (status incomplete) is no grade: its row goes, the student is graded again.
  const status = head.indexOf('status');
  const redo = existing.slice(1).filter((r) => r[status] === INCOMPLETE);
  if (redo.length) {
    await writeFile(csv, [existing[0]!, ...existing.slice(1).filter((r) => r[status] !== INCOMPLETE)].map((r) =>
      r.map(csvField).join(',')).join('\n') + '\n');
    process.stderr.write(`isolab grade --batch: grading again ${redo.length} student(s) whose grade was `
      + `incomplete: ${redo.map((r) => r[0]).join(', ')}\n`);
  }
  const done = new Set(existing.slice(1).filter((r) => r[status] !== INCOMPLETE).map((r) => r[0]));
  if (done.size) process.stderr.write(`isolab grade --batch: resuming — ${done.size} student(s) already in ${csv}\n`);
  let graded = 0;
  let errors = 0;
  let incomplete = 0;
  const todo = mine.filter((s) => !done.has(s));
  const took: number[] = [];
  for (const [k, student] of todo.entries()) {
    const t0 = Date.now();
    process.stderr.write(`[${k + 1}/${todo.length}] ${student} … `);
    const args = [BIN, 'grade', path.join(folder, student), '--json',
      ...(o.assignment ? ['--assignment', o.assignment] : []), ...(o.rubricFile ? ['--rubric', o.rubricFile] : []),
        ...(o.format ?? []).flatMap((f) => ['--format', f])];
    // Each student a run of its own: its own id, folder and probe.
    const env = { ...envWith({ reports: path.join(o.out, student), runId: undefined, runDir: undefined,
      host: undefined, submission: undefined }), NO_COLOR: '1' };
    const r = await run(process.execPath, args, { check: false, timeoutMs: o.timeoutMs ?? 20 * 60_000, env });
    let g: Grade | null = null;
    try {
      const json = r.stdout.slice(r.stdout.indexOf('{'), r.stdout.lastIndexOf('}') + 1);
      g = JSON.parse(json) as Grade;
    } catch {
      g = null;
    }
    took.push((Date.now() - t0) / 1000);
    const secs = Math.round(took.at(-1)!);
    const left = todo.length - k - 1;
    const eta = left ? `; ${left} left ≈ ${duration(median(took) * left)}` : '';
    let row: unknown[];
    if (g?.incomplete?.length) {
      row = [student, ...o.rubric.checks.map(() => ''), '', '', INCOMPLETE, g.incomplete.join('; ')];
      incomplete++;
      process.stderr.write(`incomplete — no score (${g.incomplete[0]}); graded again on the next --batch run (${secs} s${eta})\n`);
    } else if (g) {
      row = [student, ...o.rubric.checks.map((c) => g!.items.find((i) => i.check === c.check)?.earned ?? 0), g.score,
        g.possible, r.exitCode === 0 ? 'graded' : 'graded, with errors',
        [g.refused?.length ? `refused: ${g.refused.join('; ')}` : '',
        g.contained?.length ? `contained: ${g.contained.join('; ')}` : ''].filter(Boolean).join(' | ')];
      graded++;
      process.stderr.write(`${g.score}/${g.possible} (${secs} s${eta})\n`);
    } else {
      const why = r.timedOut ? `timed out after ${(o.timeoutMs ?? 20 * 60_000) / 1000} s`
        : `exit ${r.exitCode}: ${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 300)}`;
      row = [student, ...o.rubric.checks.map(() => 0), 0, o.rubric.checks.reduce((a, c) => a + c.points, 0), 'error', why];
      errors++;
      process.stderr.write(`error (${why}) (${secs} s${eta})\n`);
    }
    await appendFile(csv, row.map(csvField).join(',') + '\n');
  }
  if (took.length) {
    const m = median(took);
    process.stderr.write(`isolab grade --batch: ${took.length} graded `
      + `in ${duration(took.reduce((a, b) => a + b, 0))}, median ${m.toFixed(0)} s a student: a class of 300 `
      + `≈ ${duration(m * 300)} on this machine (--shard i/n splits it across machines)\n`);
  }
  return { graded, skipped: mine.length - todo.length, errors, incomplete, csv, secondsEach: took };
}

/** Join the shards' CSVs (same columns) into one, one row per student. */
export async function mergeCsv(files: string[], out: string): Promise<number> {
  let head: string[] | null = null;
  const rows = new Map<string, string[]>();
  for (const f of files) {
    const t = parseCsv(await readFile(f, 'utf8'));
    if (!t.length) continue;
    if (head && t[0]!.join(',') !== head.join(',')) throw new Error(`${f}: its columns differ from ${files[0]}'s (another rubric?)`);
    head = t[0]!;
    for (const r of t.slice(1)) rows.set(r[0]!, r);
  }
  if (!head) throw new Error('no rows to merge');
  const body = [...rows.keys()].sort().map((k) => rows.get(k)!.map(csvField).join(','));
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, [head.map(csvField).join(','), ...body].join('\n') + '\n');
  return rows.size;
}
