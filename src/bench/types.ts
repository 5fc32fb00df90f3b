// What a benchmark declares and what it reports (results.json → bench).
import type { Ledger } from '../core/ledger.js';
import type { HostInfo } from '../types/host.js';
import type { Capability } from '../claims/requirements.js';
import type { ExecTimer } from './exec-timer.js';
import type { RungRole } from '../types/bench.js';

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

export type { LadderRow, RungRole } from '../types/bench.js';
