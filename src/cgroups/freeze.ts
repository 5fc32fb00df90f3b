// The freezer run: a frozen group gets no CPU and keeps its process; thawed, it runs again.
import type { Ledger } from '../core/ledger.js';
import { measuringWindow, type Seat } from '../core/windows.js';
import { invalidBecause, validWindow } from '../core/valid-window.js';
import type { CgroupDriver } from './driver.js';
import { windowGroups, OTHER_AT_MOST_PER_CPU, usageOver } from './measure.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '../core/waits.js';
import { HOG, type CgroupScenario, type Outcome } from './declared.js';

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
      const before = await usageOver(g, w, watch);
      const wrote = await g.setFrozen(true);
      const frozen = !!(await until(() => g.frozen(), { what: 'the group frozen', timeoutMs: 2000, everyMs: 20 }));
      const during = await usageOver(g, w);
      const alive = (await hog.exited(0)) === null;
      await g.setFrozen(false);
      const after = await usageOver(g, w, watch);
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
