// Binding a check to a claim of the catalog (src/claims/catalog.ts). A claim is a vitest test whose meta carries the
// claim id, the verdict's evidence and, on failure, what was captured to explain it; the
// results reporter turns that into results.json. One path: `npx vitest` and `isolab run`.
import { test, afterAll, type TestContext } from 'vitest';
import { Ledger, installSignalCleanup } from '../core/ledger.js';
import { claimDef, claimHead } from './catalog.js';
import { missing, strict, expectedOnHost, type Capability } from './requirements.js';
import { currentHost } from './current-host.js';
import type { HostInfo } from '../host/probe.js';
import type { SlideAnswer } from '../types/results.js';
import { isHostTooBusy } from '../core/valid-window.js';
import { infraFault, type Fault } from '../core/faults.js';
import { brief } from '../core/brief.js';
import { numberSetting, harnessBound } from '../core/settings.js';

export { brief };

export type { Check } from '../types/check.js';
import type { Check } from '../types/check.js';

export interface ClaimMeta {
  claim?: { id: string; suite: string; statement: string; scenario?: string; source?: string };
  evidence?: Record<string, unknown>;
  checks?: Check[];
  captured?: Record<string, unknown>;
  skipReason?: string;
  cleanupFailures?: string[];
  slide?: SlideAnswer[];
  /** what stopped the claim that was not the claim's (engine gone, disk full): verdict `error` */
  fault?: Fault;
}

declare module 'vitest' {
  interface TaskMeta extends ClaimMeta {}
}

export class ClaimFailure extends Error {
  constructor(readonly failed: Check[]) {
    super(failed.map((c) => `✗ ${c.what}: expected ${fmt(c.expected)}, got ${fmt(c.actual)}`).join('\n'));
    this.name = 'ClaimFailure';
  }
}

const fmt = (v: unknown) => brief(v);

export class ClaimContext {
  readonly ledger: Ledger;
  private readonly onFailure: Array<[string, () => Promise<unknown>]> = [];
  /** it drives the container engine: a failure is first asked whether the engine still answers */
  usesEngine = false;

  /** What of the infrastructure stopped this claim, if anything did (src/core/faults.ts). */
  faultOf(e: unknown): Promise<Fault | null> {
    return infraFault(e, { engine: this.usesEngine && !!this.host.docker });
  }
  constructor(private readonly ctx: TestContext, readonly host: HostInfo, label: string) {
    this.ledger = new Ledger(label);
  }

  private get meta(): ClaimMeta {
    return this.ctx.task.meta as ClaimMeta;
  }

  /** Merge measured facts into the claim's evidence. */
  evidence(data: Record<string, unknown>): void {
    this.meta.evidence = { ...this.meta.evidence, ...data };
  }

  /**
   * The slide's own number or statement beside the measurement. The checks (verify) judge the
   * mechanism; a slide answer that does not hold turns a pass into `differs`, never a fail.
   */
  slide(a: SlideAnswer): void {
    this.meta.slide = [...(this.meta.slide ?? []), a];
  }

  /** Skip unless the host has every capability (under CI, a provided one missing fails). */
  needs(...caps: Capability[]): void {
    for (const cap of caps) {
      if (cap === 'docker' || cap === 'compose' || cap.startsWith('image.')) this.usesEngine = true;
      const why = missing(this.host, cap);
      if (!why) continue;
      if (strict() && expectedOnHost(cap))
        throw new Error(`${why} (CI expects this host to provide "${cap}"; a skip here would hide a broken provision)`);
      this.skip(why);
    }
  }

  skip(reason: string): never {
    this.meta.skipReason = reason;
    this.ctx.skip(reason);
    throw new Error('unreachable');
  }

  /** Record the checks in the evidence and fail with every one that did not hold. */
  verify(checks: Check[]): void {
    this.meta.checks = [...(this.meta.checks ?? []), ...checks];
    const failed = checks.filter((c) => !c.ok);
    if (failed.length) throw new ClaimFailure(failed);
  }

  /**
   * With ISOLAB_HOLD_MS set, keep what the check built in place for that long: to look at it
   * by hand (mounts, namespaces, groups) or to interrupt a run in the middle of a check.
   */
  async hold(): Promise<void> {
    const ms = numberSetting('holdMs', 0);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  /** Gather this (mountinfo, ip addr, cgroup files…) into the evidence only if the claim fails. */
  captureOnFailure(name: string, fn: () => Promise<unknown>): void {
    this.onFailure.push([name, fn]);
  }

  async runCaptures(): Promise<void> {
    const captured: Record<string, unknown> = {};
    for (const [name, fn] of this.onFailure) {
      try {
        captured[name] = await fn();
      } catch (e) {
        captured[name] = `capture failed: ${(e as Error).message}`;
      }
    }
    if (this.onFailure.length) this.meta.captured = captured;
  }
}

export interface ClaimOptions {
  needs?: Capability[];
  /** For several checks of one claim (data-driven scenarios). */
  scenario?: string;
  /** the scenario file and line it was declared at */
  source?: string;
  timeoutMs?: number;
  /**
   * Run beside the file's other concurrent claims (vitest test.concurrent): CPU windows, whose
   * seats (src/core/windows.ts) decide what measures together and on which CPU.
   */
  concurrent?: boolean;
}

installSignalCleanup();
const open = new Set<ClaimContext>();
afterAll(async () => {
  for (const c of open) await c.ledger.close();
});

/** What a claim saw of a fault of the host, as one line: no stack, no code frame, no serialized fields. */
function faultError(e: unknown): Error {
  const out = new Error(brief(e instanceof Error ? e.message : String(e), 240));
  out.stack = `${out.name}: ${out.message}`;
  return out;
}

export function claim(id: string, opts: ClaimOptions, fn: (c: ClaimContext) => Promise<void>): void {
  const def = claimDef(id);
  const name = opts.scenario ? `${id} › ${opts.scenario}` : id;
  test(name, { timeout: harnessBound(opts.timeoutMs ?? 60_000), concurrent: opts.concurrent }, async (ctx) => {
    (ctx.task.meta as ClaimMeta).claim = { ...claimHead(id), ...(opts.scenario ? { scenario: opts.scenario } : {}),
      ...(opts.source ? { source: opts.source } : {}) };
    const c = new ClaimContext(ctx, await currentHost(), name);
    open.add(c);
    let failed = false;
    try {
      // The catalog's gates of the claim (its scenarios' own), then the spec's.
      const needs = [...new Set([...(def.needs ?? []), ...(opts.needs ?? [])])];
      if (needs.length) c.needs(...needs);
      await fn(c);
    } catch (e) {
      // No window was a measurement: the host's neighbours, not the mechanism — a skip that names them.
      if (isHostTooBusy(e)) {
        c.evidence({ summary: e.message, windows: e.windows.map((w, i) => ({ attempt: i + 1, invalid: w.invalid })) });
        c.skip(e.message);
      }
      failed = !(ctx.task.meta as ClaimMeta).skipReason;
      if (!failed) throw e;
      // A dead engine or a full disk is the infrastructure's fault, not the mechanism's: said
      // once for the run (the reporter's `incomplete`), here without a stack or code frame.
      const fault = await c.faultOf(e);
      if (!fault) {
        await c.runCaptures();
        throw e;
      }
      (ctx.task.meta as ClaimMeta).fault = fault;
      throw faultError(e);
    } finally {
      const failures = await c.ledger.close();
      open.delete(c);
      if (failures.length) {
        (ctx.task.meta as ClaimMeta).cleanupFailures = failures.map((f) => `${f.kind} ${f.name}: ${f.error}`);
        // A check that leaves something behind fails, even if its assertions held — unless the
        // engine died under its cleanup: then it could not finish, which is not the mechanism's doing.
        if (!failed) {
          const e = new Error(`cleanup failed: ${failures.map((f) => `${f.kind} ${f.name}: ${f.error}`).join('; ')}`);
          const fault = await c.faultOf(e);
          if (fault) (ctx.task.meta as ClaimMeta).fault = fault;
          throw fault ? faultError(e) : e;
        }
      }
    }
  });
}
