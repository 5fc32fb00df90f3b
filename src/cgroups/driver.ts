// One cgroup interface in meanings — weight, quota, memory and pids limits, usage — with a v1
// and a v2 implementation chosen by probing. Groups live under an isolab-<run> parent.
import type { Ledger } from '../core/ledger.js';
import type { Background } from '../core/exec.js';

export interface Group {
  readonly name: string;
  /** controller → directory of this group in that controller's hierarchy */
  readonly paths: Record<string, string>;
  /** v2 cpu.weight semantics (1..10000, default 100); v1 writes the equivalent cpu.shares. */
  setWeight(weight: number): Promise<{ file: string; value: string }>;
  /** quota/period of CPU time; 20% of one CPU = 20_000/100_000. */
  setCpuQuota(quotaUs: number, periodUs: number): Promise<{ file: string; value: string }>;
  /** A hard memory limit, with swap off for the group so the limit means OOM, not swapping. */
  setMemoryLimit(bytes: number): Promise<Array<{ file: string; value: string }>>;
  setPidsLimit(max: number): Promise<{ file: string; value: string }>;
  /** cpuset.cpus (v1 also needs cpuset.mems, copied from the parent when the group is made) */
  setCpus(cpus: string): Promise<{ file: string; value: string }>;
  /** memory.high: over it the group is throttled and reclaimed, never killed (v2 only) */
  setMemoryHigh(bytes: number): Promise<Array<{ file: string; value: string }>>;
  /** v2 cgroup.freeze, v1 freezer.state */
  setFrozen(frozen: boolean): Promise<{ file: string; value: string }>;
  /** has the kernel finished freezing (v2 cgroup.events frozen 1, v1 freezer.state FROZEN)? */
  frozen(): Promise<boolean>;
  /** v2 memory.events (low, high, max, oom, oom_kill); v1 what memory.oom_control counts */
  memoryEvents(): Promise<Record<string, number>>;
  /** memory.peak where the kernel keeps it (v2, Linux ≥ 5.19), else null */
  memoryPeak(): Promise<number | null>;
  /** µs the group's tasks stalled on memory (v2 memory.pressure "some total", PSI); null without PSI */
  memoryStallUs(): Promise<number | null>;
  /** Move a running process in (every hierarchy this group spans). */
  addProcess(pid: number): Promise<void>;
  /** Start argv inside the group (it joins before exec, so no CPU is charged elsewhere). */
  exec(ledger: Ledger, argv: string[], opts?: { maxLifeMs?: number }): Promise<Background>;
  cpuUsageNs(): Promise<number>;
  /** CFS bandwidth periods elapsed and those in which the group hit its quota (cpu.stat) */
  cpuThrottling(): Promise<{ periods: number; throttled: number }>;
  oomKills(): Promise<number>;
  /** How often a fork was refused for pids.max. */
  pidsMaxEvents(): Promise<number>;
  procs(): Promise<number[]>;
}

/** What a group is made for; a name with '/' nests it under a group made before. */
export type Controller = 'cpu' | 'memory' | 'pids' | 'cpuset' | 'freezer';

export interface CgroupDriver {
  readonly version: 1 | 2;
  /** Create a group under the run's parent (created on first use), undone by the ledger. */
  create(ledger: Ledger, name: string, controllers: Controller[]): Promise<Group>;
  /** The relative path /proc/<pid>/cgroup shows for a group in the cpu (or unified) hierarchy. */
  procCgroupOf(pid: number): Promise<string>;
}
