// `docker run --cpuset-cpus=0 --cpu-shares=N`: what the engine writes into the container's
// cgroup, and the split it delivers, measured from the containers' own cgroups. On v2 the
// runtime converts shares to cpu.weight, and which formula it used is read off the value.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Ledger } from '../core/ledger.js';
import type { HostInfo } from '../types/host.js';
import { runContainer, inspect, docker } from '../docker/cli.js';
import { measuringWindow, type Seat } from '../core/windows.js';
import { OTHER_AT_MOST_PER_CPU } from './measure.js';
import { invalidBecause, validWindow, watchWindow, BUSY_AT_LEAST } from '../core/valid-window.js';
import { readInt, readKey } from './fsgroup.js';
import { predictSplit, sharesToWeightLinear, sharesToWeightLog, sharesToWeightSystemd } from './weights.js';

interface Located {
  usage: () => Promise<number>;
  written: () => Promise<number>;
  dir: string;
}

async function locate(host: HostInfo, pid: number): Promise<Located> {
  const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).split('\n').filter(Boolean);
  const c = host.cgroupControllers;
  if (c.cpu?.version === 2) {
    const rel = lines.find((l) => l.startsWith('0::'))!.slice(3);
    const dir = path.join(c.cpu.path, rel);
    return { dir, usage: async () => (await readKey(path.join(dir, 'cpu.stat'), 'usage_usec')) * 1000,
      written: () => readInt(path.join(dir, 'cpu.weight')) };
  }
  const relOf = (ctl: string) => lines.map((l) => l.split(':')).find(([, ctls]) => ctls!.split(',').includes(ctl))![2]!;
  const cpuDir = path.join(c.cpu!.path, relOf('cpu'));
  const acctDir = path.join(c.cpuacct!.path, relOf('cpuacct'));
  return { dir: cpuDir, usage: () => readInt(path.join(acctDir, 'cpuacct.usage')),
    written: () => readInt(path.join(cpuDir, 'cpu.shares')) };
}

/** Which shares→weight formula explains the weights the runtime wrote (v2 only). */
export function weightFormula(pairs: Array<[number, number]>): string {
  const formulas: Array<[string, (s: number) => number]> = [
    ['linear (runc < 1.3.2, crun < 1.23)', sharesToWeightLinear],
    ['log-quadratic (runc ≥ 1.3.2, crun ≥ 1.23)', sharesToWeightLog],
    ['systemd (s×100/1024)', sharesToWeightSystemd],
  ];
  return formulas.find(([, f]) => pairs.every(([s, w]) => f(s) === w))?.[0] ?? 'unknown';
}

/**
 * Two hogs' containers pinned to one CPU (the lecture's --cpuset-cpus=0, or the free CPU of a
 * seat when windows measure side by side) and the window. The engine starts and removes them on
 * any CPU: noisy, never while a window is open.
 */
export async function containerShares(ledger: Ledger, host: HostInfo, pair: { low: number; high: number },
  image: string, timing = { settleMs: 500, windowMs: 2000 }) {
  const what = `docker --cpu-shares ${pair.low}/${pair.high}`;
  const { value, windows } = await validWindow(what, async () => {
    const { value: v, exclusive: shared } = await measuringWindow(what, { cpu: 0 },
      (seat) => sharesOnce(ledger, host, pair, image, timing, seat));
    return { value: { ...v, host: shared },
      invalid: invalidBecause(v.conditions, { otherAtMost: OTHER_AT_MOST_PER_CPU, busyAtLeast: BUSY_AT_LEAST }) };
  });
  return { ...value, windows: windows.map((w, i) => ({ attempt: i + 1, invalid: w.invalid })) };
}

async function sharesOnce(ledger: Ledger, host: HostInfo, pair: { low: number; high: number }, image: string,
  timing: { settleMs: number; windowMs: number }, seat: Seat) {
  const ids: Record<'low' | 'high', Located & { pid: number }> = {} as never;
  const names: string[] = [];
  try {
    await seat.noisy(async () => {
      for (const side of ['low', 'high'] as const) {
        // Named per pair: pairs measure side by side on seats of their own.
        const ct = await runContainer(ledger, `${side}-prio-${pair.low}-${pair.high}`,
          [`--cpuset-cpus=${seat.cpu}`, `--cpu-shares=${pair[side]}`, '--network', 'none', image, 'sha256sum', '/dev/urandom']);
        names.push(ct.name);
        const st = await inspect<{ State: { Pid: number; Running: boolean } }>(ct.name);
        if (!st.State.Running) throw new Error(`container ${ct.name} is not running`);
        ids[side] = { ...(await locate(host, st.State.Pid)), pid: st.State.Pid };
      }
    });
    return { ...(await measurePair(host, pair, ids, timing, seat)), cpusetCpus: String(seat.cpu) };
  } finally {
    // The hogs stop inside the seat: they would skew the next window on this CPU, or another run's.
    await seat.noisy(() => docker(['rm', '-f', ...names], { check: false, timeoutMs: 30_000 }));
  }
}

async function measurePair(host: HostInfo, pair: { low: number; high: number },
  ids: Record<'low' | 'high', Located & { pid: number }>, timing: { settleMs: number; windowMs: number }, seat: Seat) {
  const written = { low: await ids.low.written(), high: await ids.high.written() };
  const unit = host.cgroupControllers.cpu?.version === 2 ? 'cpu.weight' : 'cpu.shares';
  const predicted = predictSplit(written);
  await new Promise((r) => setTimeout(r, timing.settleMs));
  const { u0, u1, conditions } = await seat.quiet(async () => {
    const u0 = [await ids.low.usage(), await ids.high.usage()];
    const watched = await watchWindow({ low: ids.low.pid, high: ids.high.pid }, seat.cpu);
    await new Promise((r) => setTimeout(r, timing.windowMs));
    const u1 = [await ids.low.usage(), await ids.high.usage()];
    return { u0, u1, conditions: await watched(u1[0]! - u0[0]! + u1[1]! - u0[1]!) };
  });
  const elapsedMs = conditions.elapsedMs;
  const d = [u1[0]! - u0[0]!, u1[1]! - u0[1]!];
  const total = d[0]! + d[1]!;
  return {
    requested: pair,
    written,
    writtenTo: unit,
    ...(unit === 'cpu.weight' ? { formula: weightFormula([[pair.low, written.low], [pair.high, written.high]]) } : {}),
    predicted,
    shares: { low: d[0]! / total, high: d[1]! / total },
    totalCpus: total / (elapsedMs * 1e6),
    /** busy time on the pinned CPU not the containers' (other load there), as a fraction */
    otherOnCpu: conditions.other,
    conditions,
    windowMs: Math.round(elapsedMs),
    settleMs: timing.settleMs,
    cgroup: ids.low.dir,
  };
}
