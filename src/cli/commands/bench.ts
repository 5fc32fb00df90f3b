// `isolab bench [section…]`: the startup ladder, sizes, primitive costs (and, on request,
// the cgroup split-window study), written to reports/<run>/ with a chart.
import path from 'node:path';
import { leakLines } from '../../run/session.js';
import { runBench } from '../../bench/bench-run.js';
import { ladder } from '../../bench/ladder.js';
import { grading, phaseLines } from '../../bench/grading.js';
import { guests } from '../../bench/guests.js';
import type { LadderRow } from '../../bench/types.js';
import { table, dim, ok, bad } from '../ui.js';
import { SECTIONS } from '../../bench/sections.js';

export interface BenchOptions {
  quick?: boolean;
  samples?: number;
  rungs?: string;
  json?: boolean;
}

const ms = (v?: number) => (v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function ladderTable(rows: LadderRow[]): string {
  return table(
    rows.map((r) => [
      r.rung + (r.accelerator ? ` [${r.accelerator}]` : ''),
      r.skipped ? dim(`skipped: ${r.skipped}`) : r.error ? bad(`error: ${r.error.slice(0, 80)}`) : ms(r.meanMs),
      ms(r.p50Ms), ms(r.p99Ms), r.rme !== undefined ? `±${r.rme.toFixed(1)}%` : '', r.samples ? String(r.samples) : '',
      r.ratioToFloor ? `${r.ratioToFloor.toFixed(1)}×` : '', r.ratioToPrevious ? `${r.ratioToPrevious.toFixed(1)}×` : '',
      r.hyperfine && 'meanMs' in r.hyperfine ? `p50 ${ms(r.hyperfine.p50Ms)} (Δ ${(r.hyperfine.agreement * 100).toFixed(0)}%)` : '',
    ]),
    ['rung', 'mean ms', 'p50', 'p99', 'rme', 'n', '× floor', '× prev', 'hyperfine -N (Δ medians)'],
  );
}

/** The sections and rungs asked for, or null after saying what is wrong (exit 2). */
function checkOptions(sections: string[], o: BenchOptions): string[] | undefined | null {
  const unknown = sections.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length) {
    process.stderr.write(`isolab bench: unknown section ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}\n`);
    return null;
  }
  if (o.samples !== undefined && (!Number.isInteger(o.samples) || o.samples < 1)) {
    process.stderr.write('isolab bench: --samples takes a whole number ≥ 1\n');
    return null;
  }
  const wanted = o.rungs?.split(',').map((s) => s.trim()).filter(Boolean);
  const badRung = wanted?.filter((w) => !ladder.some((r) => r.rung === w || r.rung.startsWith(w)));
  if (badRung?.length) {
    process.stderr.write(`isolab bench: unknown rung ${badRung.join(', ')}; rungs: ${ladder.map((r) => r.rung).join(', ')}\n`);
    return null;
  }
  return wanted;
}

/** A section's table on the terminal. */
function printSection(name: string, out: unknown): void {
  if (name === 'grading') {
    const g = out as Awaited<ReturnType<typeof grading>>;
    process.stdout.write(`\ngrading the sample: cold ${(g.coldMs / 1000).toFixed(1)} s (goal `
      + `≤ ${g.coldGoalMs / 1000} s: ${g.coldWithinGoal ? 'met' : 'missed'}), warm ${(g.warmMs / 1000).toFixed(1)} `
      + `s (goal ≤ ${g.warmGoalMs / 1000} s: ${g.warmWithinGoal ? 'met' : 'missed'}), score ${g.score}\n`);
    process.stdout.write(`${phaseLines(g.phases).join('\n')}\n`);
    const e = g.examples;
    process.stdout.write(`\nexample assignments, good submission graded warm beside the same work by bare engine commands `
      + `(harness share target ≤ ${e.target * 100}%):\n${table(e.rows.map((r) => [r.example, r.score, `${(r.gradeMs / 1000).toFixed(1)} s`,
        `${(r.bareMs / 1000).toFixed(1)} s`, `${(r.harnessShare * 100).toFixed(0)}%`, r.withinTarget ? ok('met') : bad('missed')]),
      ['example', 'score', 'isolab grade', 'bare commands', 'harness share', 'target'])}\n`);
  }
  if (name === 'guests') {
    const g = out as Awaited<ReturnType<typeof guests>>;
    process.stdout.write(`\n${table(g.rows.map((r) => 'skipped' in r ? [r.guest, dim(r.skipped!), '', '', '', ''] : [
      `${r.guest} [${r.accel}]`, `${r.buildColdS} s`, `${r.cachedCheckMs} ms`, `${r.bootToShellS ?? '—'} `
        + `s`, `${r.engineReadyUptimeS ?? '—'} s`,
      r.guestOverHost ? Object.entries(r.guestOverHost).map(([k, v]) => `${k} ${v}×`).join(', ') : dim('no guest run on record'),
    ]), ['guest', 'build cold', 'cached check', 'boot to shell', 'engine ready', 'suite time guest/host'])}\n`);
  }
  if (name === 'split-window') {
    const rows = (out as { rows: Array<{ windowMs: number; runs: number; meanErrorPp: number; maxAbsErrorPp: number;
      withinTolerance: number }> }).rows;
    const cells = rows.map((r) => [`${r.windowMs / 1000} s`, String(r.runs), r.meanErrorPp.toFixed(2), r.maxAbsErrorPp.toFixed(2),
      `${r.withinTolerance}/${r.runs}`]);
    process.stdout.write(`\n${table(cells, ['window', 'runs', 'mean error pp', 'max |error| pp', 'within ±2 pp'])}\n`);
  }
}

export async function benchCommand(sections: string[], o: BenchOptions): Promise<number> {
  const rungs = checkOptions(sections, o);
  if (rungs === null) return 2;
  const say = (line: string) => process.stderr.write(`${dim('bench')} ${line}\n`);
  const { dir, results, check } = await runBench({ sections, rungs, quick: !!o.quick, samples: o.samples, say,
    onPart: (name, out) => {
      if (o.json) return;
      if (name === 'ladder') process.stdout.write(`\n${ladderTable(out as LadderRow[])}\n`);
      else printSection(name, out);
    } });
  const leaks = check?.leaks;
  if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  for (const c of results.claims) {
    process.stdout.write(`${c.verdict === 'pass' ? ok('✓') : c.verdict === 'fail' ? bad('✗') : dim('–')} ${c.id}: `
      + `${(c.evidence as { summary?: string }).summary ?? c.reason ?? ''}\n`);
  }
  if (check) process.stdout.write(`${leakLines(check).map((l) => (leaks?.length ? bad(l) : l)).join('\n')}\n`);
  process.stdout.write(`isolab: bench results in ${path.relative(process.cwd(), dir)}/ (results.json, `
    + `report.html${results.bench?.chart ? ', ladder.svg' : ''})\n`);
  const s = results.summary;
  process.stdout.write(`claims: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped\n`);
  return s.failed || leaks?.length ? 1 : 0;
}
