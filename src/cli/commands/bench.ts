// `isolab bench [section…]`: the startup ladder, sizes, primitive costs (and, on request,
// the cgroup split-window study), written to reports/<run>/ with a chart.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openSession, closeSession, leakLines, type LeakCheck } from '../../run/session.js';
import { runId } from '../../core/names.js';
import { probeHost } from '../../host/probe.js';
import { runLadder, ladderClaim, judgeSection } from '../../bench/run.js';
import { ladderSvg } from '../../report/ladder-chart.js';
import { hostFingerprint } from '../../results/host-fingerprint.js';
import { summarize, SCHEMA, type ClaimResult, type Results } from '../../types/results.js';
import { runFolder, writeRun } from '../../results/write.js';
import { claimDef } from '../../claims/catalog.js';
import { ladder } from '../../../bench/ladder.js';
import { sizes } from '../../../bench/sizes.js';
import { primitives } from '../../../bench/primitives.js';
import { splitWindow } from '../../../bench/split-window.js';
import { grading, phaseLines } from '../../../bench/grading.js';
import { guests } from '../../../bench/guests.js';
import type { BenchContext, LadderRow } from '../../bench/types.js';
import { ExecTimer } from '../../bench/exec-timer.js';
import { table, dim, ok, bad } from '../ui.js';
import { SECTIONS } from '../../bench/sections.js';
import { dropRunCache } from '../../docker/run-cache.js';
import { ownsRun } from '../../core/runs.js';

const DEFAULT_SECTIONS = ['ladder', 'sizes', 'primitives'];

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
    process.stdout.write(`\n${table(rows.map((r) => [`${r.windowMs / 1000} `
      + `s`, String(r.runs), r.meanErrorPp.toFixed(2), r.maxAbsErrorPp.toFixed(2), `${r.withinTolerance}/${r.runs}`]), ['window', 'runs', 'mean error pp', 'max |error| pp', 'within ±2 pp'])}\n`);
  }
}

/** The leak check, results.json and the chart, and the summary on the terminal: the exit code. */
async function finish(r: { dir: string; startedAt: Date; host: Awaited<ReturnType<typeof probeHost>>;
  claims: ClaimResult[]; bench: Record<string, unknown>; check: LeakCheck | null; json: boolean }): Promise<number> {
  const { dir, startedAt, host, claims, bench, check } = r;
  const o = { json: r.json };
  const leaks = check?.leaks;
  const results: Results = {
    schema: SCHEMA,
    run: { id: runId(), startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(),
      argv: process.argv.slice(1), suites: ['bench'] },
    host: hostFingerprint(host),
    claims,
    summary: summarize(claims),
    ...(leaks ? { leaks } : {}),
    bench,
  };
  await writeRun(dir, results);
  if (bench.ladder && bench.chart) await writeFile(path.join(dir, 'ladder.svg'), ladderSvg(bench.ladder as LadderRow[]));
  if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  for (const c of claims)
    process.stdout.write(`${c.verdict === 'pass' ? ok('✓') : c.verdict === 'fail' ? bad('✗') : dim('–')} ${c.id}: ${(c.evidence as { summary?: string }).summary ?? c.reason ?? ''}\n`);
  if (check) process.stdout.write(`${leakLines(check).map((l) => (leaks?.length ? bad(l) : l)).join('\n')}\n`);
  process.stdout.write(`isolab: bench results in ${path.relative(process.cwd(), dir)}/ (results.json, `
    + `report.html${bench.chart ? ', ladder.svg' : ''})\n`);
  const s = results.summary;
  process.stdout.write(`claims: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped\n`);
  return s.failed || leaks?.length ? 1 : 0;
}

export async function benchCommand(sections: string[], o: BenchOptions): Promise<number> {
  const wanted = checkOptions(sections, o);
  if (wanted === null) return 2;
  const run = sections.length ? sections : DEFAULT_SECTIONS;
  const say = (line: string) => process.stderr.write(`${dim('bench')} ${line}\n`);
  const startedAt = new Date();
  const host = await probeHost();
  const session = await openSession('bench', { snapshot: host.root });
  const ledger = session.ledger;
  // Undone last: the layers the bench's builds kept for each other (src/docker/run-cache.ts).
  if (host.docker && ownsRun()) ledger.add('image', 'the run\'s cached build layers', async () => void (await dropRunCache()));
  const timer = new ExecTimer();
  ledger.add('process', 'exec timer', () => timer.close());
  const ctx: BenchContext = { ledger, host, timer, quick: !!o.quick, samples: o.samples, progress: say };
  const claims: ClaimResult[] = [];
  const bench: Record<string, unknown> = { quick: !!o.quick };
  const dir = runFolder(runId(), 'bench', startedAt);
  let closed: Awaited<ReturnType<typeof closeSession>> = { failures: [], check: null };
  try {
    if (run.includes('ladder')) {
      const t = performance.now();
      const rungs = wanted ? ladder.filter((r) => wanted.some((w) => r.rung === w || r.rung.startsWith(w))) : ladder;
      const rows = await runLadder(ctx, rungs);
      bench.ladder = rows;
      claims.push(ladderClaim(rows, Math.round(performance.now() - t)));
      if (rows.some((r) => r.meanMs !== undefined)) bench.chart = 'ladder.svg';
      if (!o.json) process.stdout.write(`\n${ladderTable(rows)}\n`);
    }
    for (const [name, fn, id] of [['sizes', sizes, 'bench.sizes'], ['primitives', primitives, 'bench.primitive-costs'],
      ['split-window', splitWindow, null], ['grading', grading, null], ['guests', guests, null]] as const) {
      if (!run.includes(name)) continue;
      const t = performance.now();
      try {
        const out = await fn(ctx);
        bench[name === 'split-window' ? 'splitWindow' : name] = out;
        if (!o.json) printSection(name, out);
        if (id) {
          const checks = judgeSection(name as 'sizes' | 'primitives', out);
          const failed = checks.filter((k) => !k.ok);
          claims.push({
            ...claimDef(id), verdict: failed.length ? 'fail' : 'pass',
            ...(failed.length ? { reason: failed.map((k) => `✗ ${k.what}: ${k.actual}`).join('\n') } : {}),
            evidence: { summary: summarizeSection(name, out), ...out }, checks, durationMs: Math.round(performance.now() - t),
          });
        }
      } catch (e) {
        const reason = (e as Error).message;
        say(`${name}: failed — ${reason}`);
        if (id) claims.push({ ...claimDef(id),
          verdict: /needs root|not installed|no Docker/.test(reason) ? 'skip' : 'fail', reason, evidence: {},
          durationMs: Math.round(performance.now() - t) });
      }
      await ledger.undoAll();
    }
  } finally {
    closed = await closeSession(session);
    for (const f of closed.failures) say(`cleanup of ${f.kind} ${f.name} failed: ${f.error}`);
  }
  return finish({ dir, startedAt, host, claims, bench, check: closed.check, json: !!o.json });
}

function summarizeSection(name: string, out: Record<string, unknown>): string {
  const mb = (b?: number) => (b === undefined ? '—' : `${(b / 1e6).toFixed(1)} MB`);
  if (name === 'sizes') {
    const i = out.imagesBytes as Record<string, number>;
    const vm = out.vmImageBytes as { total: number } | null;
    const mem = out.memory as { containerAddedKb: number; vm: { givenKb: number; guestUsedKb?: number } | null };
    return `base image ${mb(i.base)} vs VM image ${mb(vm?.total)}; hello ${mb(i.hello)}; `
      + `multi-stage ${mb(i.multistageFinal)} vs builder ${mb(i.multistageBuilder)}; an idle container `
      + `adds ${(mem.containerAddedKb / 1024).toFixed(1)} MiB RSS, a VM is given ${(mem.vm?.givenKb ?? 0) / 1024} `
      + `MiB and its guest uses ${((mem.vm?.guestUsedKb ?? 0) / 1024).toFixed(1)} MiB`;
  }
  if (name === 'primitives') {
    return Object.entries(out as Record<string, { meanMs: number }>).map(([k, v]) =>
      `${k} ${v.meanMs.toFixed(2)} ms`).join(', ') + ' per create+destroy';
  }
  return '';
}
