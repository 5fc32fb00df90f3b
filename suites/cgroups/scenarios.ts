// The cgroups checks that are not scenario files (those are scenarios/*.yaml): docker's
// --cpu-shares pairs, the memory and pids limits; and the lecture's split, read from its file.
import type { SplitScenario } from '../../src/cgroups/measure.js';
import { splitOf, type CgroupScenario } from '../../src/cgroups/scenario.js';
import { scenariosOf } from '../../src/scenarios/files.js';

/** The lecture's 80/20 split as its file declares it (for the controls and the bench). */
export async function lectureSplit(): Promise<SplitScenario & { expected: Record<string, number>; tolerancePp: number }> {
  const s = (await scenariosOf<CgroupScenario>('cgroups')).find((x) => x.claim === 'cgroups.cpu-weight-split')!.spec;
  return { ...splitOf(s), expected: s.expect.shares!, tolerancePp: s.expect.tolerancePp ?? 2 };
}

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
