// A cgroups scenario as data: groups (nested too) with settings in meanings, a named workload,
// the pinning, the window, and what must come out — shares with a tolerance, or an outcome.
// Workloads are named, never commands: a course's file says `hog`, isolab knows what that runs.
import { split } from './split.js';
import { memoryHigh } from './memory-high.js';
import { freeze } from './freeze.js';
import { cpuset } from './cpuset.js';

export { bytes, flatten, HOG, MAX_ALLOCATE, validateCgroupScenario, type CgroupScenario, type GroupSpec, type Outcome }
  from './declared.js';
export { splitOf, split, ownCpuChecks } from './split.js';
export { memoryHigh, judgeMemoryHigh, type Allocation } from './memory-high.js';


/** Each claim's runner: what runs a scenario of it. */
export const RUNNERS = {
  'cgroups.cpu-weight-split': split,
  'cgroups.nested-weight': split,
  'cgroups.cpu-quota': split,
  'cgroups.unpinned-no-contention': split,
  'cgroups.memory-high': memoryHigh,
  'cgroups.freeze': freeze,
  'cgroups.cpuset': cpuset,
} as const;
