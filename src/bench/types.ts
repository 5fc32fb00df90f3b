// What a benchmark declares and what it reports (results.json → bench).
import type { Ledger } from '../core/ledger.js';
import type { HostInfo } from '../host/probe.js';
import type { Capability } from '../claims/requirements.js';
import type { RungStats } from './measure.js';
import type { ExecTimer } from './exec-timer.js';

export interface BenchContext {
  ledger: Ledger;
  /** times a command's fork + exec + exit without node's spawn cost */
  timer: ExecTimer;
  host: HostInfo;
  quick: boolean;
  /** override of every rung's sample count */
  samples?: number;
  progress(line: string): void;
}

/** What the startup claim compares: the floor, the container it names, the VM. */
export type RungRole = 'floor' | 'container' | 'vm';

export interface Rung {
  rung: string;
  role?: RungRole;
  command: string;
  needs: Capability[];
  samples: { full: number; quick: number };
  warmup?: number;
  /** the same command for hyperfine, for the fidelity comparison */
  hyperfine?: string[];
  /** Prepare (a bundle, a created container…) and return the operation to time. */
  setup(ctx: BenchContext): Promise<{ op: () => Promise<unknown>; accelerator?: string; note?: string }>;
}

export interface LadderRow extends Partial<RungStats> {
  rung: string;
  role?: RungRole;
  command: string;
  accelerator?: string;
  skipped?: string;
  error?: string;
  note?: string;
  ratioToFloor?: number;
  ratioToPrevious?: number;
  /** hyperfine -N beside the exec timer, alternating rounds: medians compared (agreement = |Δ| / hyperfine's) */
  hyperfine?: { meanMs: number; p50Ms: number; runs: number; agreement: number; timerP50Ms?: number;
    compared?: 'median' | 'mean'; timer?: string; explanation?: string } | { skipped: string };
}
