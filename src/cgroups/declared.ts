// A cgroups scenario as data: groups (nested too) with settings in meanings, a named workload,
// the pinning, the window, and what must come out — shares with a tolerance, or an outcome.
// Workloads are named, never commands: a course's file says `hog`, isolab knows what that runs.
import type { Check } from '../types/check.js';
import type { SlideAnswer } from '../types/results.js';
import type { SplitGroup } from './measure.js';

export interface GroupSpec {
  name: string;
  weight?: number;
  /** cpu.max as a fraction of one CPU */
  quota?: number;
  /** cpuset.cpus, "0" or "0-1" */
  cpus?: string;
  /** memory.high, "32M" */
  memoryHigh?: string;
  children?: GroupSpec[];
}

export interface CgroupScenario {
  name: string;
  groups: GroupSpec[];
  /** the lecture's hog: `sha256sum /dev/urandom` */
  workload?: 'hog';
  /** taskset -c N; absent: unpinned */
  pinCpu?: number;
  settleMs?: number;
  windowMs?: number;
  /** memory-high: how much the workload allocates */
  allocate?: string;
  expect: {
    shares?: Record<string, number>;
    cpus?: Record<string, number>;
    tolerancePp?: number;
    minCpuEach?: number;
    /** memory-high: the least part of the throttled run the kernel counts stalled on memory */
    stalledAtLeast?: number;
    /** memory-high: the least wall-clock slowdown beside the unlimited run (host-speed bound) */
    slowdownAtLeast?: number;
    frozenCpuAtMost?: number;
    thawedCpuAtLeast?: number;
  };
  /** what the slide says of this one, when it is the slide's */
  slide?: string;
  needs?: Array<'multi-cpu' | 'two-cpus'>;
}

export interface Outcome {
  summary: string;
  evidence: Record<string, unknown>;
  checks: Check[];
  slide?: SlideAnswer;
}

/** The lecture's hog, the workload a scenario's `hog` names. */
export const HOG = ['sha256sum', '/dev/urandom'];

export function bytes(size: string): number {
  const m = /^(\d+)([KMG]?)$/.exec(size);
  if (!m) throw new Error(`"${size}" is not a size like 64M`);
  return Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as '' | 'K' | 'M' | 'G'];
}

/** Nested specs to a flat list, parents first: { a: { a1 } } → a, a/a1. */
export function flatten(groups: GroupSpec[], prefix = ''): Array<SplitGroup & Omit<GroupSpec, 'name' | 'children'>> {
  return groups.flatMap(({ children, ...g }) => {
    const name = prefix ? `${prefix}/${g.name}` : g.name;
    return [{ ...g, name }, ...flatten(children ?? [], name)];
  });
}

/** The most a memory-high workload may allocate: its unlimited control runs on the host as is. */
export const MAX_ALLOCATE = 512 * 1024 ** 2;

/** What the schema cannot say: shares of leaves only, unique names, a bounded allocation. */
export function validateCgroupScenario(s: CgroupScenario): string[] {
  const names = flatten(s.groups).map((g) => g.name);
  const leaves = names.filter((n) => !names.some((o) => o.startsWith(`${n}/`)));
  const out: string[] = [];
  for (const k of [...Object.keys(s.expect.shares ?? {}), ...Object.keys(s.expect.cpus ?? {})])
    if (!leaves.includes(k)) out.push(`expect: "${k}" is not a leaf group (leaves: ${leaves.join(', ')})`);
  if (new Set(names).size !== names.length) out.push('groups: a group name is used twice');
  if (s.allocate && bytes(s.allocate) > MAX_ALLOCATE)
    out.push(`allocate: ${s.allocate} is more than isolab allocates on a host (at most 512M)`);
  const high = flatten(s.groups).find((g) => g.memoryHigh)?.memoryHigh;
  if (high && s.allocate && bytes(high) >= bytes(s.allocate))
    out.push(`allocate: ${s.allocate} must be more than memoryHigh ${high}, or nothing goes over it`);
  return out;
}
