// The cgroups checks that are not scenario files (those are scenarios/*.yaml): docker's
// --cpu-shares pairs, the memory and pids limits (the lecture's split: src/scenarios/lecture.ts).

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
