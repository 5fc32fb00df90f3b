// A bench run's rows, as the bench writes them into results.json and the report draws them.
// Imports nothing.

/** What the startup claim compares: the floor, the container it names, the VM. */
export type RungRole = 'floor' | 'container' | 'vm';

export interface RungStats {
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  rme: number;
  samples: number;
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
