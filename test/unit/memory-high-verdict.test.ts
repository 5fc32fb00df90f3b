// The memory.high verdict on recorded figures (trixie guest under TCG, 2026-12-01). The throttle
// is judged by the kernel's stall count (PSI), not by the wall-clock ratio: the penalty is a
// sleep of fixed length, so on a slow host the ratio shrinks (CI: 1.7× where KVM-speed hosts see 5–7×).
import { describe, it, expect } from 'vitest';
import { judgeMemoryHigh, type Allocation, type CgroupScenario } from '../../src/cgroups/scenario.js';

const s: CgroupScenario = { name: 'allocating 96 MiB with memory.high 32 MiB',
  groups: [{ name: 'high', memoryHigh: '32M' }], allocate: '96M', expect: {} };
const o = { high: 32 * 2 ** 20, size: 96 * 2 ** 20, windowMs: 6335 };
const run = (x: Partial<Allocation>): Allocation =>
  ({ name: 'high', written: [], finished: true, exit: 0, signal: null, ms: 1000, stalledMs: 0, cpuMs: 900,
  events: { high: 0, oom_kill: 0 }, peak: 96 * 2 ** 20, ...x });
const free = run({ name: 'high-free', ms: 1267, cpuMs: 772 });
const failed = (out: ReturnType<typeof judgeMemoryHigh>) => out.checks.filter((c) => !c.ok).map((c) => c.what);

describe('memory.high verdict', () => {
  it('holds for a run the kernel held: stalled 85% of it (3.7× slower, where the old ≥ 3× check was near its edge)', () => {
    const held = run({ ms: 4744, stalledMs: 4040, cpuMs: 562, events: { high: 34, oom_kill: 0 } });
    const out = judgeMemoryHigh(s, o, free, held);
    expect(failed(out)).toEqual([]);
    expect(out.evidence).toMatchObject({ measure: 'psi', stalled: 0.852, stalledAtLeast: 0.5, slowdown: 3.74 });
  });

  it('fails an allocation that was not held (no stall), and a control that stalled', () => {
    const notHeld = run({ ms: 1400, stalledMs: 30, events: { high: 3, oom_kill: 0 } });
    expect(failed(judgeMemoryHigh(s, o, free,
      notHeld))).toEqual([expect.stringMatching(/^throttled: the kernel counts it stalled on memory/)]);
    const stalledControl = run({ name: 'high-free', ms: 1267, stalledMs: 400 });
    expect(failed(judgeMemoryHigh(s, o, stalledControl, run({ ms: 4110, stalledMs: 3256, events: { high: 34, oom_kill: 0 } }))))
      .toEqual([expect.stringMatching(/^negative control/)]);
  });

  it('fails a kill, and without PSI falls back to the wall-clock slowdown, saying so', () => {
    const killed = run({ ms: 2000, stalledMs: 1500, exit: null, signal: 'SIGKILL', events: { high: 9, oom_kill: 1 } });
    expect(failed(judgeMemoryHigh(s, o, free, killed))).toEqual(['the workload over memory.high is not killed', 'no OOM kill is counted']);
    const noPsi = (x: Allocation) => ({ ...x, stalledMs: null });
    const out = judgeMemoryHigh(s, o, noPsi(free), noPsi(run({ ms: 3061, events: { high: 17, oom_kill: 0 } })));
    expect(failed(out)).toEqual(['throttled: ≥ 3× the time without memory.high (no PSI here: memory.pressure unreadable)']);
    expect(out.evidence).toMatchObject({ measure: 'wall-clock', slowdownAtLeast: 3 });
  });
});
