// A cgroups scenario as data: groups (nested too) with settings in meanings, a named workload,
// the pinning, the window, and what must come out — shares with a tolerance, or an outcome.
// Workloads are named, never commands: a course's file says `hog`, isolab knows what that runs.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Ledger } from '../core/ledger.js';
import type { Check } from '../types/check.js';
import type { SlideAnswer } from '../types/results.js';
import { exclusive, measuringWindow, type Seat } from '../core/windows.js';
import { invalidBecause, validWindow, watchWindow } from '../core/valid-window.js';
import type { CgroupDriver } from './driver.js';
import { measureSplit, shareChecks, slideSplit, pct, windowGroups, OTHER_AT_MOST_PER_CPU, type SplitGroup,
  type SplitScenario } from './measure.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '../core/waits.js';

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

const HOG = ['sha256sum', '/dev/urandom'];

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

export function splitOf(s: CgroupScenario): SplitScenario {
  return { name: s.name, groups: flatten(s.groups), pinCpu: s.pinCpu ?? null, workload: HOG,
    settleMs: s.settleMs ?? 500, windowMs: s.windowMs ?? 2000,
    ...(s.expect.minCpuEach !== undefined ? { minCpuEach: s.expect.minCpuEach } : {}) };
}

/** Shares, CPUs' worth, or "each on its own CPU": the split claims. */
export async function split(ledger: Ledger, driver: CgroupDriver, s: CgroupScenario): Promise<Outcome> {
  const m = await measureSplit(ledger, driver, splitOf(s));
  const tol = s.expect.tolerancePp ?? 2;
  const checks: Check[] = [];
  if (s.expect.shares) checks.push(...shareChecks(m.shares, s.expect.shares, tol));
  for (const [g, want] of Object.entries(s.expect.cpus ?? {})) {
    const got = m.cpus[g] ?? 0;
    checks.push({ ok: Math.abs(got - want) * 100 <= tol, what: `${g} gets ${pct(want)} of a CPU ±${tol} pp`,
      expected: pct(want), actual: pct(got) });
  }
  if (s.expect.minCpuEach !== undefined) checks.push(...ownCpuChecks(s, m.cpus, m.shares, m.host.cpus.length, m.otherOnHost ?? 0));
  const other = m.otherOnHost ?? m.otherOnCpu;
  const beside = m.host.beside.length ? `, beside ${m.host.beside.length} window(s) on other CPUs` : '';
  const where = `${m.pinnedTo === null ? 'unpinned' : `of CPU ${m.pinnedTo}`}${other === undefined ? '' : ` (other `
    + `load there ${other.toFixed(2)} CPU${beside})`}`;
  const got = Object.entries(s.expect.shares ? m.shares : m.cpus).map(([k, v]) =>
    `${k} ${s.expect.shares ? pct(v) : `${v.toFixed(2)} CPU`}`).join(' / ');
  const want = s.expect.shares ? ` (expected ${Object.values(s.expect.shares).map((x) => (x * 100).toFixed(1)).join('/')} ±${tol} pp)` : '';
  const retried = m.windows.length > 1
    ? `; window ${m.windows.length} of ${m.windows.length} (${m.windows.length - 1} before it no `
    + `measurement: ${m.windows[0]!.invalid[0]})` : '';
  return {
    summary: `${got} ${where} over ${(m.windowMs / 1000).toFixed(1)} s${want}${retried}`,
    evidence: { ...m, expected: s.expect },
    checks,
    ...(s.slide && s.expect.shares ? { slide: slideSplit(s.slide, s.expect.shares, m.shares, tol) } : {}),
  };
}

/**
 * Unpinned, each hog on a CPU of its own: judged against the CPU free to the hogs (the window's
 * CPUs less the other load there), not against an idle host. Together they take nearly all of it
 * — on one CPU they could take one at most, and the window is valid only while more than
 * 1/minCpuEach CPUs are free (measure.ts splitInvalid). Not each against half of it: the free
 * CPU is not spread evenly (other load lands where it lands, and a low weight yields more of its
 * CPU to it). And the split is far from the weights' (the low weight's share nearer an equal one).
 */
export function ownCpuChecks(s: CgroupScenario, cpus: Record<string, number>, shares: Record<string, number>,
  cpuCount: number, other: number): Check[] {
  const least = s.expect.minCpuEach!;
  const hogs = Object.keys(cpus).length;
  const free = Math.min(hogs, cpuCount - other);
  const used = Object.values(cpus).reduce((a, v) => a + v, 0);
  const checks: Check[] = [{
    ok: used >= least * free,
    what: `${Object.keys(cpus).join(' and ')} run on CPUs of their own: together ≥ ${least} of the CPU free to them `
      + `(one CPU for both: ≤ 1)`,
    expected: `≥ ${(least * free).toFixed(3)} (${least} × ${free.toFixed(2)} free)`,
    actual: used.toFixed(3),
  }];
  const groups = flatten(s.groups).filter((g) => g.weight !== undefined && g.name in shares);
  const sum = groups.reduce((a, g) => a + g.weight!, 0);
  const low = groups.sort((a, b) => a.weight! - b.weight!)[0];
  if (low && groups.length > 1 && low.weight! * groups.length < sum) {
    const byWeight = low.weight! / sum;
    const midway = (byWeight + 1 / groups.length) / 2;
    checks.push({ ok: shares[low.name]! >= midway,
      what: `the split is not the weights': ${low.name} (weight ${low.weight}) gets `
      + `nearer ${pct(1 / groups.length)} than ${pct(byWeight)}`, expected: `≥ ${pct(midway)}`, actual: pct(shares[low.name]!) });
  }
  return checks;
}

/** Over memory.high: throttled and counted, not killed — beside the same allocation without it. */
export async function memoryHigh(ledger: Ledger, driver: CgroupDriver, s: CgroupScenario): Promise<Outcome> {
  const spec = flatten(s.groups).find((g) => g.memoryHigh);
  if (!spec || !s.allocate) throw new Error(`${s.name}: a memory-high scenario needs a group with memoryHigh and "allocate"`);
  const bad = validateCgroupScenario(s);
  if (bad.length) throw new Error(`${s.name}: ${bad.join('; ')}`);
  const high = bytes(spec.memoryHigh!);
  const size = bytes(s.allocate);
  let windowMs = s.windowMs ?? 4000;
  const named = windowGroups();
  const alloc = async (name: string, limit: number | null): Promise<Allocation> => {
    const g = await driver.create(ledger, named(name), ['memory']);
    const written = limit === null ? [] : await g.setMemoryHigh(limit);
    const [stall0, cpu0] = [await g.memoryStallUs(), await g.cpuUsageNs()];
    const t0 = performance.now();
    const p = await g.exec(ledger, ['dd', 'if=/dev/zero', 'of=/dev/null', `bs=${size}`, 'count=1'], { maxLifeMs: windowMs + 30_000 });
    const r = await p.exited(windowMs);
    const ms = performance.now() - t0;
    const [stall1, cpu1] = [await g.memoryStallUs(), await g.cpuUsageNs()];
    const events = await g.memoryEvents();
    const peak = await g.memoryPeak();
    await p.stop(200);
    // The throttle is time the kernel holds the task: PSI counts it as a memory stall (reclaim
    // and penalty sleeps) whatever the host's speed. The wall-clock slowdown is not: the penalty
    // is a sleep of fixed length, so on a slow host (TCG: 1.8 s unlimited) the ratio shrinks.
    const stalledMs = stall0 === null || stall1 === null ? null : Math.round((stall1 - stall0) / 1000);
    return { name, written, finished: r !== null, exit: r?.exitCode ?? null, signal: r?.signal ?? null,
      ms: Math.round(ms), stalledMs, cpuMs: Math.round((cpu1 - cpu0) / 1e6), events, peak };
  };
  const { value: [free, held] } = await exclusive(`memory.high "${s.name}"`, async () => {
    const f = await alloc(`${spec.name}-free`, null);
    // Room to show the throttle on a slow host too: a run still throttled at the end is enough.
    windowMs = Math.max(windowMs, Math.ceil(5 * f.ms));
    return [f, await alloc(spec.name, high)] as const;
  });
  return judgeMemoryHigh(s, { high, size, windowMs }, free, held);
}

/** One allocation's record: the unlimited control or the run over memory.high. */
export interface Allocation {
  name: string;
  written: Array<{ file: string; value: string }>;
  finished: boolean;
  exit: number | null;
  signal: string | null;
  ms: number;
  /** ms the kernel counted it stalled on memory (PSI); null without PSI */
  stalledMs: number | null;
  cpuMs: number;
  events: Record<string, number>;
  peak: number | null;
}

/** The verdict on two allocations, beside each other (recorded figures in the unit tests). */
export function judgeMemoryHigh(s: CgroupScenario, o: { high: number; size: number; windowMs: number },
  free: Allocation, held: Allocation): Outcome {
  const { high, size, windowMs } = o;
  const stalledAtLeast = s.expect.stalledAtLeast ?? 0.5;
  const slowdown = held.ms / Math.max(free.ms, 1);
  const mb = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  const psi = held.stalledMs !== null && free.stalledMs !== null;
  const part = (x: Allocation) => (x.stalledMs ?? 0) / Math.max(x.ms, 1);
  const stalled = (x: Allocation) =>
    (psi ? `stalled on memory ${(part(x) * 100).toFixed(0)}% (${x.stalledMs} of ${x.ms} ms)` : `${x.ms} ms`);
  // Without PSI (psi=0, CONFIG_PSI_DEFAULT_DISABLED) only the host-speed-bound slowdown is left.
  const atLeast = s.expect.slowdownAtLeast ?? (psi ? undefined : 3);
  const throttled: Check = psi
    ? { ok: part(held) >= stalledAtLeast,
      what: `throttled: the kernel counts it stalled on memory (memory.pressure) for ≥ ${stalledAtLeast * 100}% of `
      + `its run`, expected: `≥ ${stalledAtLeast * 100}%`,
      actual: `${(part(held) * 100).toFixed(0)}% (${held.stalledMs} of ${held.ms} ms)` }
    : { ok: slowdown >= atLeast!,
      what: `throttled: ≥ ${atLeast}× the time without memory.high (no PSI here: memory.pressure unreadable)`,
      expected: `≥ ${atLeast}×`, actual: `${slowdown.toFixed(1)}× (${held.ms} vs ${free.ms} ms)` };
  return {
    summary: `memory.high ${mb(high)}, allocating ${mb(size)}: ${held.finished ? `finished (exit ${held.exit}) `
      + `in ${held.ms} ms` : `still throttled after ${held.ms} ms`}, ${psi ? `${stalled(held)}, ` : ''}high `
      + `events ${held.events.high ?? 0}, oom_kill ${held.events.oom_kill ?? 0}${held.peak ? `, `
      + `peak ${mb(held.peak)}` : ''}; without memory.high: ${stalled(free)}, high events ${free.events.high ?? 0} `
      + `(${slowdown.toFixed(1)}× slower)`,
    evidence: { memoryHigh: high, allocate: size, windowMs, throttled: held, unlimited: free,
      measure: psi ? 'psi' : 'wall-clock', ...(psi ? { stalled: Number(part(held).toFixed(3)), stalledAtLeast } : {}),
      slowdown: Number(slowdown.toFixed(2)), ...(atLeast ? { slowdownAtLeast: atLeast } : {}) },
    checks: [
      { ok: !held.signal && (held.exit === 0 || !held.finished), what: 'the workload over memory.high is not killed',
        expected: 'alive, or exit 0', actual: held.signal ?? (held.finished ? `exit ${held.exit}` : 'alive') },
      { ok: (held.events.oom_kill ?? 0) === 0, what: 'no OOM kill is counted', expected: 0, actual: held.events.oom_kill ?? 0 },
      { ok: (held.events.high ?? 0) > 0, what: 'memory.events counts the group going over high', expected: 'high > 0',
        actual: held.events.high ?? 0 },
      throttled,
      { ok: slowdown > 1, what: 'throttled: slower than the same allocation without memory.high', expected: '> 1×',
        actual: `${slowdown.toFixed(1)}× (${held.ms} vs ${free.ms} ms)` },
      ...(psi && atLeast ? [{ ok: slowdown >= atLeast, what: `throttled: ≥ ${atLeast}× the time without memory.high`,
        expected: `≥ ${atLeast}×`, actual: `${slowdown.toFixed(1)}×` }] : []),
      { ok: (free.events.high ?? 0) === 0 && free.exit === 0 && part(free) < NOT_STALLED,
        what: `negative control: without memory.high nothing is counted${psi ? `, stalled `
        + `< ${NOT_STALLED * 100}%` : ''}`, expected: `high 0, exit 0${psi ? `, < ${NOT_STALLED * 100}%` : ''}`,
        actual: `high ${free.events.high ?? 0}, exit ${free.exit}${psi ? `, ${(part(free) * 100).toFixed(0)}%` : ''}` },
      ...(held.peak !== null ? [{ ok: held.peak > high, what: 'it went over high (a target, not a cap)',
        expected: `peak > ${mb(high)}`, actual: mb(held.peak) }] : []),
    ],
  };
}

/** The unlimited control's memory stall (PSI) stays under this part of its run. */
const NOT_STALLED = 0.05;

/** CPUs' worth a group got over a window, and the window's conditions (its worker, other load). */
async function usage(g: { cpuUsageNs(): Promise<number> }, ms: number, watch?: { pid: number; cpu: number | null; cpus: number }) {
  const u0 = await g.cpuUsageNs();
  const watched = watch ? await watchWindow({ hog: watch.pid }, watch.cpu, watch.cpus) : null;
  const t0 = performance.now();
  await sleep(ms);
  const used = (await g.cpuUsageNs()) - u0;
  const cpu = used / ((performance.now() - t0) * 1e6);
  return { cpu, conditions: watched ? await watched(used) : null };
}

/**
 * Frozen: no CPU, the process kept; thawed: it runs again. The unfrozen windows are the control,
 * and measurements only when the hog was runnable all of them with the CPU not taken by others.
 * Pinned (pinCpu), it takes one CPU's seat and windows beside it measure on the others.
 */
export async function freeze(ledger: Ledger, driver: CgroupDriver, s: CgroupScenario): Promise<Outcome> {
  const name = s.groups[0]!.name;
  const w = s.windowMs ?? 1000;
  const least = s.expect.thawedCpuAtLeast ?? 0.3;
  const what = `freezing "${s.name}"`;
  const { value: { value, host }, windows } = await validWindow(what, async () => {
    const r = await measuringWindow(what, s.pinCpu === undefined ? 'all' : { cpu: s.pinCpu },
      (seat) => freezeOnce(ledger, driver, s, name, w, seat));
    // The control windows must leave the hog clear room for its ≥ least CPU: other load at most
    // what any window absorbs, and 0.1 CPU short of 1 − least (at exactly 1 − least the hog's
    // share is the neighbours' verdict, not the freezer's).
    const perCpu = Math.min(OTHER_AT_MOST_PER_CPU, 1 - least - 0.1);
    const k = { otherAtMost: perCpu * (r.value.pinnedTo === null ? r.exclusive.cpus.length : 1) };
    const invalid = [...new Set([...invalidBecause(r.value.runningConditions, k), ...invalidBecause(r.value.thawedConditions, k)])];
    return { value: { value: r.value, host: r.exclusive }, invalid };
  });
  const most = s.expect.frozenCpuAtMost ?? 0.02;
  const retried = windows.length > 1 ? ` (attempt ${windows.length}: ${windows[0]!.invalid[0]})` : '';
  return {
    summary: `a hog in ${name}${value.pinnedTo === null ? '' : ` on `
      + `CPU ${value.pinnedTo}`}: ${value.before.toFixed(2)} CPU running, ${value.during.toFixed(3)} CPU frozen `
      + `(${value.wrote.file.split('/').pop()}=${value.wrote.value}), ${value.after.toFixed(2)} CPU thawed; the `
      + `process lived throughout: ${value.alive && value.aliveAfter}${retried}`,
    evidence: { ...value, windowMs: w, frozenCpuAtMost: most, thawedCpuAtLeast: least, host,
      windows: windows.map((x, i) => ({ attempt: i + 1, invalid: x.invalid })) },
    checks: [
      { ok: value.before >= least, what: `negative control: unfrozen, the hog uses ≥ ${least} CPU`,
        expected: `≥ ${least}`, actual: value.before.toFixed(3) },
      { ok: value.frozen, what: 'the kernel reports the group frozen', expected: 'frozen', actual: value.frozen ? 'frozen' : 'not frozen' },
      { ok: value.during <= most, what: `frozen, it gets no CPU (≤ ${most})`, expected: `≤ ${most}`, actual: value.during.toFixed(4) },
      { ok: value.alive && value.aliveAfter, what: 'freezing keeps the process (it is not killed)', expected: 'alive',
        actual: value.alive && value.aliveAfter ? 'alive' : 'gone' },
      { ok: value.after >= least, what: `thawed, it runs again (≥ ${least} CPU)`, expected: `≥ ${least}`, actual: value.after.toFixed(3) },
    ],
  };
}

async function freezeOnce(ledger: Ledger, driver: CgroupDriver, s: CgroupScenario, name: string, w: number, seat: Seat) {
  const g = await driver.create(ledger, windowGroups()(name), ['cpu', 'freezer']);
  const pinnedTo = s.pinCpu === undefined ? null : seat.cpu;
  const argv = pinnedTo === null ? HOG : ['taskset', '-c', String(pinnedTo), ...HOG];
  const hog = await seat.noisy(() => g.exec(ledger, argv, { maxLifeMs: 4 * w + 60_000 }));
  const watch = { pid: hog.pid, cpu: pinnedTo, cpus: seat.cpus.length };
  try {
    await sleep(s.settleMs ?? 300);
    return await seat.quiet(async () => {
      const before = await usage(g, w, watch);
      const wrote = await g.setFrozen(true);
      const frozen = !!(await until(() => g.frozen(), { what: 'the group frozen', timeoutMs: 2000, everyMs: 20 }));
      const during = await usage(g, w);
      const alive = (await hog.exited(0)) === null;
      await g.setFrozen(false);
      const after = await usage(g, w, watch);
      return {
        pinnedTo, wrote, frozen, before: before.cpu, during: during.cpu, after: after.cpu, alive,
          aliveAfter: (await hog.exited(0)) === null,
        runningConditions: before.conditions!, thawedConditions: after.conditions!,
      };
    });
  } finally {
    await seat.noisy(() => hog.stop(300));
  }
}

const allowedOf = async (pid: number) =>
  /Cpus_allowed_list:\s*(\S+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))?.[1] ?? '?';

/** cpuset.cpus confines workers that ask taskset for every CPU; a sibling without it is the control. */
export async function cpuset(ledger: Ledger, driver: CgroupDriver, s: CgroupScenario): Promise<Outcome> {
  const spec = s.groups[0]!;
  if (!spec.cpus) throw new Error(`${s.name}: a cpuset scenario needs "cpus" on its group`);
  const n = os.availableParallelism?.() ?? os.cpus().length;
  const every = n === 1 ? '0' : `0-${n - 1}`;
  const named = windowGroups();
  const { value } = await exclusive(`cpuset "${s.name}"`, async () => {
    const g = await driver.create(ledger, named(spec.name), ['cpu', 'cpuset']);
    const wrote = await g.setCpus(spec.cpus!);
    const free = await driver.create(ledger, named(`${spec.name}-free`), ['cpu', 'cpuset']);
    // Each worker asks for every CPU of the host; the kernel intersects with the group's set.
    const hogs = [];
    for (let i = 0; i < n; i++) hogs.push(await g.exec(ledger, ['taskset', '-c', every, ...HOG], { maxLifeMs: 30_000 }));
    const ctl = await free.exec(ledger, ['taskset', '-c', every, ...HOG], { maxLifeMs: 30_000 });
    try {
      await sleep(s.settleMs ?? 300);
      const dead = await Promise.all(hogs.map((h) => h.exited(0)));
      const allowed = await Promise.all(hogs.map((h) => allowedOf(h.pid)));
      const control = await allowedOf(ctl.pid);
      const cpus = (await usage(g, s.windowMs ?? 1500)).cpu;
      const outside = n > 1 ? String(n - 1) : null;
      const ask = outside && !spec.cpus!.split(',').includes(outside) ? await g.exec(ledger, ['taskset', '-c', outside, 'true']) : null;
      const asked = ask ? await ask.exited(5000) : null;
      return { wrote, allowed, control, cpus, dead: dead.filter(Boolean).length, outside,
        askOutside: asked ? { exit: asked.exitCode, stderr: asked.stderr.trim() } : null };
    } finally {
      await Promise.all([...hogs, ctl].map((h) => h.stop(300)));
    }
  });
  const want = spec.cpus;
  const count = want.split(',').reduce((a: number, r: string) =>
    { const [x, y] = r.split('-').map(Number); return a + (y === undefined ? 1 : y - x! + 1); }, 0);
  return {
    summary: `${n} workers asking taskset for CPUs ${every} in a group with cpuset.cpus=${want}: `
      + `allowed ${[...new Set(value.allowed)].join(', ')}, together ${value.cpus.toFixed(2)} CPU; a sibling `
      + `without the set is allowed ${value.control}${value.askOutside ? `; asking for CPU ${value.outside} alone: `
      + `exit ${value.askOutside.exit} (${value.askOutside.stderr.split('\n')[0]})` : ''}`,
    evidence: { ...value, cpusetCpus: want, hostCpus: n },
    checks: [
      { ok: value.dead === 0, what: 'the workers run', expected: 'all running', actual: `${value.dead} exited` },
      { ok: value.allowed.every((a) => a === want), what: `each worker may run on ${want} only, whatever it asked`,
        expected: want, actual: value.allowed.join(' ') },
      { ok: value.control === every, what: `negative control: without the set a worker may run on ${every}`,
        expected: every, actual: value.control },
      { ok: value.cpus <= count + 0.05, what: `together they get at most ${count} CPU(s)`, expected: `≤ ${count}`,
        actual: value.cpus.toFixed(3) },
      ...(value.askOutside ? [{ ok: value.askOutside.exit !== 0,
        what: `asking for CPU ${value.outside} alone, outside the set, is refused`, expected: 'taskset fails (EINVAL)',
        actual: `exit ${value.askOutside.exit}` }] : []),
    ],
  };
}

export const RUNNERS = {
  'cgroups.cpu-weight-split': split,
  'cgroups.nested-weight': split,
  'cgroups.cpu-quota': split,
  'cgroups.unpinned-no-contention': split,
  'cgroups.memory-high': memoryHigh,
  'cgroups.freeze': freeze,
  'cgroups.cpuset': cpuset,
} as const;
