// memory.high run: over it the workload is throttled and counted, not killed — beside the same
// allocation without it.
import type { Ledger } from '../core/ledger.js';
import type { Check } from '../types/check.js';
import { exclusive } from '../core/windows.js';
import type { CgroupDriver } from './driver.js';
import { windowGroups } from './measure.js';
import { bytes, flatten, validateCgroupScenario, type CgroupScenario, type Outcome } from './declared.js';

/** The unlimited control's memory stall (PSI) stays under this part of its run. */
const NOT_STALLED = 0.05;

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
