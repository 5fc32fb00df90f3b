// A rung of the startup ladder measured with tinybench: a fixed number of samples (time
// budget 0), warm-up off for slow rungs; stats in ms with the relative margin of error.
import { Bench } from 'tinybench';

import type { RungStats } from '../types/bench.js';
export type { RungStats };

export async function measure(fn: () => Promise<unknown>, opts: { samples: number; warmup?: number }): Promise<RungStats> {
  const bench = new Bench({ iterations: opts.samples, time: 0, warmup: (opts.warmup ?? 0) > 0,
    warmupIterations: opts.warmup ?? 0, warmupTime: 0, throws: true });
  bench.add('rung', fn);
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (!('latency' in r)) throw new Error(`benchmark did not `
    + `complete: ${r.state}${'error' in r ? `: ${(r as { error: Error }).error.message}` : ''}`);
  const l = r.latency;
  return { meanMs: l.mean, p50Ms: l.p50, p99Ms: l.p99, minMs: l.min, maxMs: l.max, rme: l.rme, samples: l.samplesCount };
}
