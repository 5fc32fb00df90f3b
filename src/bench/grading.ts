// Per-submission grading time of the sample, cold (content its builds have never seen) and warm
// (the same copy again), each a whole `isolab grade` in its own process, and where its seconds
// go: the trace setting logs every external command with its duration, grouped here by phase.
// Goal: ≤ 30 s warm, ≤ 60 s cold. Then each example assignment's harness share (grading-share.ts).
// Not a timed test: `isolab bench grading`.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../core/exec.js';
import type { BenchContext } from './types.js';
import { ROOT as repo, BIN } from '../core/paths.js';
import { envWith } from '../core/settings.js';
import { gradingShare } from './grading-share.js';

const WARM_GOAL_MS = 30_000;
const COLD_GOAL_MS = 60_000;

/** Which phase an external command belongs to (the first pattern that matches). */
const PHASES: Array<[string, RegExp]> = [
  ['builds', /^(docker|podman) build |compose .* build$/],
  ['compose up (its commands run)', /compose .* up /],
  ['compose stop and down', /compose .* (down|stop) /],
  ['containers run', /^(docker|podman) (run|start|wait) /],
  ['engine queries and removals', /^(docker|podman|docker-compose) /],
];

export interface Phases {
  wallMs: number;
  /** from the process's start to its first external command: node, the CLI, vitest, the config */
  startMs: number;
  /** after the last external command: results, reports, exit */
  finishMs: number;
  /** time inside external commands, by phase (side by side commands both count) */
  commands: Record<string, number>;
  /** the rest of the run: the checks' own waits, vitest's workers, TypeScript transforms */
  otherMs: number;
  claims: Record<string, number>;
}

/** Attribute a run's wall time from its trace (lines: end time, ms, pid, command). */
export function phasesOf(trace: string, startedAt: number, endedAt: number, claims: Record<string, number>): Phases {
  const day = new Date(startedAt).toISOString().slice(0, 11);
  const rows = trace.split('\n').filter(Boolean).map((l) => {
    const [at = '', ms = '0', , ...cmd] = l.split(' ');
    let end = Date.parse(`${day}${at}Z`);
    if (end < startedAt - 3_600_000) end += 86_400_000; // the run went past midnight (UTC)
    return { start: end - Number(ms), end, ms: Number(ms), command: cmd.join(' ') };
  }).filter((r) => Number.isFinite(r.start) && Number.isFinite(r.ms));
  const commands: Record<string, number> = {};
  for (const r of rows) {
    const phase = PHASES.find(([, re]) => re.test(r.command))?.[0] ?? 'host tools (ip, mount, …)';
    commands[phase] = (commands[phase] ?? 0) + r.ms;
  }
  const first = rows.length ? Math.min(...rows.map((r) => r.start)) : endedAt;
  const last = rows.length ? Math.max(...rows.map((r) => r.end)) : endedAt;
  const wallMs = endedAt - startedAt;
  const startMs = Math.max(0, first - startedAt);
  const finishMs = Math.max(0, endedAt - last);
  const inCommands = Object.values(commands).reduce((a, b) => a + b, 0);
  return { wallMs, startMs, finishMs, commands, otherMs: Math.max(0, wallMs - startMs - finishMs - inCommands), claims };
}

export async function grading(ctx: BenchContext) {
  const work = await mkdtemp(path.join(tmpdir(), 'bench-grade-'));
  ctx.ledger.add('tempdir', work, () => rm(work, { recursive: true, force: true }));
  const sub = path.join(work, 'sample');
  await cp(path.join(repo, 'fixtures/grading/sample'), sub, { recursive: true });
  // Cold: a comment no build has seen makes every build step of the submission miss the cache.
  for (const f of ['hello/hello.sh', 'compose/server.go']) {
    const p = path.join(sub, f);
    await writeFile(p, `${await readFile(p, 'utf8')}\n${f.endsWith('.go') ? '//' : '#'} bench ${Date.now()}\n`);
  }
  const once = async (label: string) => {
    ctx.progress(`grading: ${label} …`);
    const reports = path.join(work, `reports-${label}`);
    const trace = path.join(work, `trace-${label}.log`);
    const env = { ...envWith({ reports, trace, runId: undefined, runDir: undefined, host: undefined }), NO_COLOR: '1' };
    const t0 = Date.now();
    const r = await run(process.execPath, [BIN, 'grade', sub], { check: false, timeoutMs: 600_000, env });
    const t1 = Date.now();
    const results = JSON.parse(await readFile(path.join(reports, 'latest', 'results.json'), 'utf8').catch(() =>
      '{}')) as { claims?: Array<{ id: string; durationMs?: number }> };
    const claims: Record<string, number> = {};
    for (const c of results.claims ?? []) claims[c.id] = (claims[c.id] ?? 0) + (c.durationMs ?? 0);
    const phases = phasesOf(await readFile(trace, 'utf8').catch(() => ''), t0, t1, claims);
    return { ms: Math.round(r.durationMs), score: /score: (\S+)$/m.exec(r.stdout)?.[1] ?? `exit ${r.exitCode}`, phases };
  };
  const cold = await once('cold');
  const warm = await once('warm');
  const examples = await gradingShare(ctx);
  return {
    examples,
    submission: 'fixtures/grading/sample', coldMs: cold.ms, warmMs: warm.ms, score: warm.score, coldScore: cold.score,
    warmGoalMs: WARM_GOAL_MS, warmWithinGoal: warm.ms <= WARM_GOAL_MS, coldGoalMs: COLD_GOAL_MS, coldWithinGoal: cold.ms <= COLD_GOAL_MS,
    phases: { cold: cold.phases, warm: warm.phases },
  };
}

/** The breakdown as lines for the terminal. */
export function phaseLines(p: { cold: Phases; warm: Phases }): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
  const rows: Array<[string, number, number]> = [
    ['start (node, CLI, vitest, config, probe)', p.cold.startMs, p.warm.startMs],
    ...[...new Set([...Object.keys(p.cold.commands), ...Object.keys(p.warm.commands)])].map((k) =>
      [k, p.cold.commands[k] ?? 0, p.warm.commands[k] ?? 0] as [string, number, number]),
    ['the rest (checks\' own waits, workers, transforms)', p.cold.otherMs, p.warm.otherMs],
    ['finish (results, reports, exit)', p.cold.finishMs, p.warm.finishMs],
    ['wall', p.cold.wallMs, p.warm.wallMs],
  ];
  return [`${'phase'.padEnd(52)}${'cold'.padStart(8)}${'warm'.padStart(8)}`, ...rows.map(([k, c, w]) => `${k.padEnd(52)}${s(c)}${s(w)}`),
    '', 'per claim (warm):', ...Object.entries(p.warm.claims).map(([k, v]) => `  ${k.padEnd(50)}${s(v)}`)];
}
