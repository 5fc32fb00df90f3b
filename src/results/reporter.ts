// The one vitest reporter that turns each claim test (its meta: claim, evidence, checks) into
// results.json, junit.xml and the report — used by `npx vitest` and `isolab run` alike.
// It also runs the leak check around the whole run, and sweeps the run's prefix as a
// backstop after a crash or SIGINT (what it had to remove is still reported as a leak).
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Reporter, TestModule, TestCase, TestRunEndReason } from 'vitest/node';
import type { SerializedError } from 'vitest';
import { snapshot } from '../leaks/snapshot.js';
import type { HostSnapshot } from '../leaks/types.js';
import { leakCheck, leakLines } from '../run/session.js';
import { runId } from '../core/names.js';
import { suiteOfProject } from '../run/projects.js';
import type { ClaimMeta } from '../claims/claim.js';
import { brief } from '../core/brief.js';
import { faultSummary } from '../core/faults.js';
import { combine, summarize, SCHEMA, EXIT, type Incomplete, type ClaimResult, type CheckResult, type Results,
  type Verdict } from '../types/results.js';
import { writeRun } from './write.js';
import { runFolder } from '../core/paths.js';
import { toGithub, claimAnnotations } from './github.js';
import { rm, rmdir } from 'node:fs/promises';
import { hostFingerprint } from './host-fingerprint.js';
import { VERSION } from '../core/version.js';
import { currentHost } from '../claims/current-host.js';
import { CLAIMS, SLIDE_NUMBERS } from '../claims/catalog.js';
import { BEFORE_FILE, PARTIAL_FILE } from './interrupted.js';
import { SCENARIO_SET_FILE } from '../scenarios/files.js';
import type { HostInfo } from '../host/probe.js';
import { FINISHER } from '../core/paths.js';
import { setting } from '../core/settings.js';


const fmtMeasured = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

const verdictOf = (t: TestCase): Verdict | null => {
  const s = t.result().state;
  if (s === 'failed' && (t.meta() as ClaimMeta).fault) return 'error';
  return s === 'passed' ? 'pass' : s === 'failed' ? 'fail' : s === 'skipped' ? 'skip' : null;
};

/** Each infrastructure fault the claims met, once: when first seen and which claims it stopped. */
export function incompleteOf(tests: TestCase[], startedAt: Date): Incomplete[] {
  const faults = tests.flatMap((t) => {
    const m = t.meta() as ClaimMeta;
    return m.fault && m.claim && t.result().state === 'failed' ? [{ claim: m.claim.id, fault: m.fault }] : [];
  });
  return faultSummary(faults, startedAt);
}

export function claimResults(tests: TestCase[]): ClaimResult[] {
  const byId = new Map<string, Array<{ t: TestCase; meta: ClaimMeta }>>();
  for (const t of tests) {
    const meta = t.meta() as ClaimMeta;
    if (!meta.claim || verdictOf(t) === null) continue;
    const list = byId.get(meta.claim.id) ?? [];
    list.push({ t, meta });
    byId.set(meta.claim.id, list);
  }
  const order = new Map(CLAIMS.map((c, i) => [c.id, i]));
  return [...byId.entries()]
    .sort(([a], [b]) => (order.get(a) ?? 999) - (order.get(b) ?? 999))
    .map(([id, list]) => {
      const scenarios: CheckResult[] = list.map(({ t, meta }) => {
        const r = t.result();
        const departs = (meta.slide ?? []).filter((s) => !s.holds);
        // The mechanism held (the test passed) but the slide's own number does not, here.
        const verdict: Verdict = verdictOf(t) === 'pass' && departs.length ? 'differs' : verdictOf(t)!;
        const reason = verdict === 'skip' ? (meta.skipReason ?? (r.state === 'skipped' ? r.note : undefined) ?? 'skipped')
          : verdict === 'fail' ? (r.errors ?? []).map((e) => e.message).join('\n')
            : verdict === 'error' ? `could not be judged: ${meta.fault!.reason} (it `
              + `saw: ${brief((r.errors ?? []).map((e) => e.message).join('\n'), 160)})`
            : verdict === 'differs'
              ? departs.map((s) => `the slide: ${s.says}; here: ${fmtMeasured(s.measured)}${s.why ? ` `
              + `— ${s.why}` : ''}`).join('\n') : undefined;
        return {
          name: meta.claim!.scenario ?? id,
          ...(meta.claim!.source ? { source: meta.claim!.source } : {}),
          verdict,
          ...(reason ? { reason } : {}),
          evidence: meta.evidence ?? {},
          ...(meta.checks ? { checks: meta.checks } : {}),
          ...(meta.captured ? { captured: meta.captured } : {}),
          ...(meta.slide ? { slide: meta.slide } : {}),
          durationMs: Math.round(t.diagnostic()?.duration ?? 0),
        };
      });
      const first = list[0]!.meta.claim!;
      const verdict = combine(scenarios.map((s) => s.verdict));
      const single = scenarios.length === 1 && !list[0]!.meta.claim!.scenario ? scenarios[0]! : null;
      const reasons = scenarios.filter((s) => s.verdict === verdict && s.reason).map((s) => (single ? s.reason : `${s.name}: ${s.reason}`));
      return {
        id,
        suite: first.suite,
        statement: first.statement,
        verdict,
        ...(verdict !== 'pass' && reasons.length ? { reason: reasons.join('\n') } : {}),
        evidence: single ? single.evidence! : Object.fromEntries(scenarios.map((s) => [s.name, s.evidence])),
        durationMs: scenarios.reduce((a, s) => a + s.durationMs, 0),
        ...(SLIDE_NUMBERS[id] ? {} : { slideNumber: 'none: the lecture gives no number here; the verdict is the mechanism' }),
        ...(single ? { ...(single.checks ? { checks: single.checks } : {}),
          ...(single.captured ? { captured: single.captured } : {}), ...(single.slide ? { slide: single.slide } : {}) } : { scenarios }),
      };
    });
}

export default class IsolabReporter implements Reporter {
  private before: HostSnapshot | null = null;
  private startedAt = new Date();
  private readonly leakCheck = setting('leakCheck') !== '0';
  private readonly done: TestCase[] = [];
  private host: HostInfo | null = null;
  private readonly dir = setting('runDir') ?? runFolder(runId());

  onInit(): void {
    process.once('SIGINT', () => this.interrupted());
    process.once('SIGTERM', () => this.interrupted());
  }

  async onTestRunStart(): Promise<void> {
    this.startedAt = new Date();
    this.host = await currentHost();
    // Without root the check sees what this user can see (the engine's containers, networks,
    // images; temp dirs; mounts and links are listed but other users' processes are not).
    if (this.leakCheck) {
      this.before = await snapshot();
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(path.join(this.dir, BEFORE_FILE), JSON.stringify(this.before));
    }
  }

  onTestCaseResult(t: TestCase): void {
    this.done.push(t);
  }

  /**
   * Synchronous on purpose: vitest exits a millisecond after the signal. The finisher waits
   * for the workers' own cleanup, sweeps, checks for leaks and writes the partial results.
   */
  private interrupted(): void {
    if (!this.before || !this.host) return;
    const claims = claimResults(this.done);
    const partial: Results = {
      schema: SCHEMA,
      run: { id: runId(), startedAt: this.startedAt.toISOString(), finishedAt: new Date().toISOString(), argv: process.argv.slice(1) },
      host: hostFingerprint(this.host),
      claims,
      summary: summarize(claims),
    };
    writeFileSync(path.join(this.dir, PARTIAL_FILE), JSON.stringify(partial));
    spawnSync(process.execPath, [FINISHER, this.dir], { stdio: 'inherit', timeout: 60_000 });
  }

  async onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason): Promise<void> {
    const tests = modules.flatMap((m) => [...m.children.allTests()]);
    const claims = claimResults(tests);
    const incomplete = incompleteOf(tests, this.startedAt);
    const suites = [...new Set(modules.map((m) => suiteOfProject(m.project.name)))];
    const check = this.before ? await leakCheck(this.before, { engineFailed: incomplete.some((f) => f.kind === 'engine') }) : null;
    const leaks = check?.leaks ?? [];
    const notOurs = check?.notOurs ?? [];
    const results: Results = {
      schema: SCHEMA,
      run: { id: runId(), startedAt: this.startedAt.toISOString(), finishedAt: new Date().toISOString(),
        argv: process.argv.slice(1), suites, version: VERSION, ...(setting('beside') ? { beside: setting('beside') } : {}) },
      host: hostFingerprint(this.host ?? (await currentHost())),
      claims,
      summary: summarize(claims),
      ...(incomplete.length ? { incomplete } : {}),
      ...(this.before ? { leaks, ...(notOurs.length ? { notLeaks: notOurs } : {}),
        ...(process.getuid?.() === 0 ? {}
        : { leakScope: 'not root: containers, networks, images, temp dirs, mounts and links this user can see; '
        + 'iptables, cgroups and other users\' processes unchecked' }) } : {}),
      ...(unhandled.length || reason === 'interrupted'
        ? { errors: [...unhandled.map((e) => e.message ?? String(e)), ...(reason === 'interrupted' ? ['run interrupted'] : [])] }
        : {}),
    };
    const dir = this.dir;
    await rm(path.join(dir, BEFORE_FILE), { force: true });
    await rm(path.join(dir, SCENARIO_SET_FILE), { force: true });
    if (claims.length) await writeRun(dir, results);
    // A grade's summary and annotations are the grade command's (points, the student's files).
    if (claims.length && !setting('submission')) await toGithub(results, claimAnnotations(results));
    else await rmdir(dir).catch(() => undefined); // unit tests only: no report folder
    const s = results.summary;
    const out = process.stdout;
    if (check) out.write(`\n${leakLines(check).join('\n')}\n`);
    if (leaks.length) process.exitCode = 1;
    if (claims.length) {
      out.write(`isolab: results in ${path.relative(process.cwd(), dir)}/results.json\n`);
      if (s.differs) out.write(`isolab: ${s.differs} claim(s) hold in mechanism but depart from the slide's number `
        + `on this host (verdict differs; see the report)\n`);
      for (const f of incomplete) out.write(`isolab: the run did not complete — ${f.message}\n`);
      // Every claim counted once: a claim that differs from the slide is neither passed nor failed.
      out.write(`claims: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`
        + `${s.differs ? `, ${s.differs} differ from the slide` : ''}${s.errored ? `, ${s.errored} could not run (error)` : ''}\n`);
    }
    // A failed claim or a leak: 1. Only claims the infrastructure stopped: 3, "did not complete".
    if (s.failed || leaks.length) process.exitCode = EXIT.failed;
    else if (s.errored) process.exitCode = EXIT.incomplete;
  }
}
