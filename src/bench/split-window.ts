// How the 80/20 split error shrinks with the measurement window: 0.5, 1, 2, 4 s, repeated.
// Not a test: it takes minutes. `isolab bench split-window`.
import { cgroupDriver } from '../cgroups/select.js';
import { measureSplit } from '../cgroups/measure.js';
import { lectureSplit } from '../scenarios/lecture.js';
import type { BenchContext } from './types.js';

export async function splitWindow(ctx: BenchContext) {
  const lecture = await lectureSplit();
  const windows = [500, 1000, 2000, 4000];
  const reps = ctx.samples ?? (ctx.quick ? 3 : 10);
  const rows = [];
  for (const windowMs of windows) {
    const errors: number[] = [];
    for (let i = 0; i < reps; i++) {
      ctx.progress(`split-window: ${windowMs} ms, run ${i + 1}/${reps}`);
      const m = await measureSplit(ctx.ledger, cgroupDriver(ctx.host), { ...lecture, windowMs });
      errors.push((m.shares.red! - lecture.expected.red!) * 100);
      await ctx.ledger.undoAll();
    }
    const abs = errors.map(Math.abs);
    rows.push({ windowMs, runs: reps, meanErrorPp: errors.reduce((a, b) => a + b, 0) / reps,
      maxAbsErrorPp: Math.max(...abs), withinTolerance: abs.filter((e) => e <= lecture.tolerancePp).length });
  }
  return { scenario: lecture.name, tolerancePp: lecture.tolerancePp, rows };
}
