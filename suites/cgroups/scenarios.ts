// The lecture's cgroups slide as data: groups and their weights, the hog, the pinning, the
// window, the expected shares and the tolerance.
import type { SplitScenario } from '../../src/cgroups/measure.js';

/** The lecture's hog: `taskset -c 0 sha256sum /dev/urandom`. */
const hog = ['sha256sum', '/dev/urandom'];
const window = { settleMs: 500, windowMs: 2000 };

export interface WeightSplit extends SplitScenario {
  expected: Record<string, number>;
  tolerancePp: number;
  /** what the slide says of this split, when it is the slide's */
  slide?: string;
}

export const weightSplits: WeightSplit[] = [
  {
    name: 'red 80 / blue 20 (the lecture)',
    groups: [{ name: 'red', weight: 80 }, { name: 'blue', weight: 20 }],
    pinCpu: 0, workload: hog, ...window,
    expected: { red: 0.8, blue: 0.2 }, tolerancePp: 2,
    slide: 'cpu.weight 80 and 20: "Assign 20% of CPU and 80% of CPU"',
  },
  {
    name: 'equal weights 50 / 50',
    groups: [{ name: 'red', weight: 100 }, { name: 'blue', weight: 100 }],
    pinCpu: 0, workload: hog, ...window,
    expected: { red: 0.5, blue: 0.5 }, tolerancePp: 2,
  },
  {
    name: 'three-way 1:2:3',
    groups: [{ name: 'one', weight: 100 }, { name: 'two', weight: 200 }, { name: 'three', weight: 300 }],
    pinCpu: 0, workload: hog, ...window,
    expected: { one: 1 / 6, two: 2 / 6, three: 3 / 6 }, tolerancePp: 2,
  },
];

/** The lecture's "does not work?": unpinned, each hog gets its own CPU, so no 80/20 appears. */
export const unpinned: SplitScenario & { minCpuEach: number } = {
  name: 'red 80 / blue 20, unpinned',
  groups: [{ name: 'red', weight: 80 }, { name: 'blue', weight: 20 }],
  pinCpu: null, workload: hog, ...window,
  minCpuEach: 0.85,
};

export const quota: SplitScenario & { cap: number; tolerancePp: number } = {
  name: 'quota 20% of one CPU',
  groups: [{ name: 'capped', quota: 0.2 }],
  pinCpu: 0, workload: hog, ...window,
  cap: 0.2, tolerancePp: 2,
};

/** docker run --cpuset-cpus=0 --cpu-shares=A vs =B */
export const dockerShares: Array<{ name: string; low: number; high: number; slide?: string }> = [
  { name: 'the lecture: 20 vs 80', low: 20, high: 80, slide: 'docker run --cpuset-cpus=0 --cpu-shares=20 / =80: "20% of CPU and 80%"' },
  { name: '256 vs 1024', low: 256, high: 1024 },
  { name: '1024 vs 1024', low: 1024, high: 1024 },
];

export const memory = {
  limitBytes: 64 * 1024 * 1024,
  /** dd allocates and fills a bs-sized buffer: past the limit it is OOM-killed. */
  overMb: 160,
  underMb: 16,
};

export const pids = { max: 8, tryToStart: 20 };
