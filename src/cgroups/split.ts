// The split claims run: shares, CPUs' worth, or each group on its own CPU, measured in windows.
import type { Ledger } from '../core/ledger.js';
import type { Check } from '../types/check.js';
import type { CgroupDriver } from './driver.js';
import { measureSplit, shareChecks, slideSplit, pct, type SplitScenario } from './measure.js';
import { flatten, HOG, type CgroupScenario, type Outcome } from './declared.js';

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
