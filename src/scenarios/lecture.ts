// The lecture's 80/20 split, as the cgroups suite's scenario file declares it: for the negative
// controls and the bench's split-window study (which measure what the suite's claim measures).
import type { SplitScenario } from '../cgroups/measure.js';
import { splitOf, type CgroupScenario } from '../cgroups/scenario.js';
import { scenariosOf } from './files.js';

export async function lectureSplit(): Promise<SplitScenario & { expected: Record<string, number>; tolerancePp: number }> {
  const s = (await scenariosOf<CgroupScenario>('cgroups')).find((x) => x.claim === 'cgroups.cpu-weight-split')!.spec;
  return { ...splitOf(s), expected: s.expect.shares!, tolerancePp: s.expect.tolerancePp ?? 2 };
}
