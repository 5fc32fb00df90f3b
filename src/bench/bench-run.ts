// A bench run: a run session (the leak check around it), the ladder and the sections asked
// for, each section's claim judged, the results and the chart written to reports/<run>/.
// The CLI (src/cli/commands/bench.ts) checks the options and prints; this does the work.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openSession, closeSession, type LeakCheck } from '../run/session.js';
import { runId } from '../core/names.js';
import { probeHost } from '../host/probe.js';
import { runLadder, ladderClaim, judgeSection } from './rungs.js';
import { ladderSvg } from '../report/ladder-chart.js';
import { hostFingerprint } from '../results/host-fingerprint.js';
import { summarize, SCHEMA, type ClaimResult, type Results } from '../types/results.js';
import { writeRun } from '../results/write.js';
import { runFolder } from '../core/paths.js';
import { claimHead } from '../claims/catalog.js';
import type { BenchContext, LadderRow } from './types.js';
import { ExecTimer } from './exec-timer.js';
import { ladder } from './ladder.js';
import { sizes } from './sizes.js';
import { primitives } from './primitives.js';
import { splitWindow } from './split-window.js';
import { grading } from './grading.js';
import { guests } from './guests.js';

export const DEFAULT_SECTIONS = ['ladder', 'sizes', 'primitives'];

export interface BenchRequest {
  sections: string[];
  /** ladder rungs asked for (by name or prefix); all when undefined */
  rungs?: string[];
  quick: boolean;
  samples?: number;
  /** progress lines (stderr) */
  say: (line: string) => void;
  /** each part as it is done: the ladder's rows, a section's output */
  onPart?: (name: string, out: unknown) => void;
}

export interface BenchRun {
  dir: string;
  results: Results;
  check: LeakCheck | null;
}

const SECTION_FNS = [['sizes', sizes, 'bench.sizes'], ['primitives', primitives, 'bench.primitive-costs'],
  ['split-window', splitWindow, null], ['grading', grading, null], ['guests', guests, null]] as const;

/** One section run and, for the sections that are claims, judged. */
async function runSection(ctx: BenchContext, name: string, fn: (typeof SECTION_FNS)[number][1], id: string | null,
  r: BenchRequest, bench: Record<string, unknown>, claims: ClaimResult[]): Promise<void> {
  const t = performance.now();
  try {
    const out = await fn(ctx);
    bench[name === 'split-window' ? 'splitWindow' : name] = out;
    r.onPart?.(name, out);
    if (!id) return;
    const checks = judgeSection(name as 'sizes' | 'primitives', out);
    const failed = checks.filter((k) => !k.ok);
    claims.push({
      ...claimHead(id), verdict: failed.length ? 'fail' : 'pass',
      ...(failed.length ? { reason: failed.map((k) => `✗ ${k.what}: ${k.actual}`).join('\n') } : {}),
      evidence: { summary: summarizeSection(name, out), ...out }, checks, durationMs: Math.round(performance.now() - t),
    });
  } catch (e) {
    const reason = (e as Error).message;
    r.say(`${name}: failed — ${reason}`);
    if (id) claims.push({ ...claimHead(id),
      verdict: /needs root|not installed|no Docker/.test(reason) ? 'skip' : 'fail', reason, evidence: {},
      durationMs: Math.round(performance.now() - t) });
  }
}

export async function runBench(r: BenchRequest): Promise<BenchRun> {
  const run = r.sections.length ? r.sections : DEFAULT_SECTIONS;
  const startedAt = new Date();
  const host = await probeHost();
  const session = await openSession('bench', { snapshot: host.root });
  const ledger = session.ledger;
  const timer = new ExecTimer();
  ledger.add('process', 'exec timer', () => timer.close());
  const ctx: BenchContext = { ledger, host, timer, quick: r.quick, samples: r.samples, progress: r.say };
  const claims: ClaimResult[] = [];
  const bench: Record<string, unknown> = { quick: r.quick };
  const dir = runFolder(runId(), 'bench', startedAt);
  let closed: Awaited<ReturnType<typeof closeSession>> = { failures: [], check: null };
  try {
    if (run.includes('ladder')) {
      const t = performance.now();
      const rungs = r.rungs ? ladder.filter((x) => r.rungs!.some((w) => x.rung === w || x.rung.startsWith(w))) : ladder;
      const rows = await runLadder(ctx, rungs);
      bench.ladder = rows;
      claims.push(ladderClaim(rows, Math.round(performance.now() - t)));
      if (rows.some((x) => x.meanMs !== undefined)) bench.chart = 'ladder.svg';
      r.onPart?.('ladder', rows);
    }
    for (const [name, fn, id] of SECTION_FNS) {
      if (!run.includes(name)) continue;
      await runSection(ctx, name, fn, id, r, bench, claims);
      await ledger.undoAll();
    }
  } finally {
    closed = await closeSession(session);
    for (const f of closed.failures) r.say(`cleanup of ${f.kind} ${f.name} failed: ${f.error}`);
  }
  const leaks = closed.check?.leaks;
  const results: Results = {
    schema: SCHEMA,
    run: { id: runId(), startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(),
      argv: process.argv.slice(1), suites: ['bench'] },
    host: hostFingerprint(host), claims, summary: summarize(claims), ...(leaks ? { leaks } : {}), bench,
  };
  await writeRun(dir, results);
  if (bench.ladder && bench.chart) await writeFile(path.join(dir, 'ladder.svg'), ladderSvg(bench.ladder as LadderRow[]));
  return { dir, results, check: closed.check };
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
