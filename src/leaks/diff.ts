// Two readings compared: every difference, each judged this run's leak or not (and why not);
// with the engine gone, what it holds is said to be unchecked rather than called a leak.
import { allRuns } from '../core/runs.js';
import type { HostSnapshot, Leak } from './types.js';
import { isLeak } from './types.js';
import { anotherRun, firstUse } from './owners.js';

/** Every difference, with `not` set on those that are not this run's leaks. */
export function diffHost(before: HostSnapshot, after: HostSnapshot): Leak[] {
  const leaks: Leak[] = [];
  for (const kind of Object.keys(before).filter((k) => k !== 'owned') as Array<Exclude<keyof HostSnapshot, 'owned'>>) {
    const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
    const b = count(before[kind]);
    const a = count(after[kind] ?? []);
    for (const [item, n] of a) if (n > (b.get(item) ?? 0)) leaks.push({ kind, item, change: 'added' });
    // Only the host's own settings count when removed: a run must not have changed them.
    if (kind === 'sysctls' || kind === 'iptables' || kind === 'nftables' || kind === 'addresses' || kind === 'routes')
      for (const [item, n] of b) if (n > (a.get(item) ?? 0)) leaks.push({ kind, item, change: 'removed' });
  }
  // A process that was already running before is not ours; pids are unique enough per run.
  const runs = allRuns();
  return leaks.map((l) => {
    const why = firstUse(l, before) ?? anotherRun(l, before, after, runs);
    return why ? { ...l, not: why } : l;
  });
}

/** This run's leaks: the differences that are neither first use nor another run's. */
export function diffSnapshots(before: HostSnapshot, after: HostSnapshot): Leak[] {
  return diffHost(before, after).filter(isLeak);
}

/**
 * Host state a container engine holds for its containers and networks: their rootfs and netns
 * mounts, bridges and veths, the addresses and routes on them, its iptables chains. When the
 * engine died under a run, these cannot be told apart from leaks (the engine cannot be asked
 * whose they are) and no run can remove them until it is back.
 */
export function engineHeld(l: Leak): boolean {
  const dev = /\b(br-[0-9a-f]{12}|docker0|veth[0-9a-f]{7}|podman\d+)\b/;
  switch (l.kind) {
    case 'mounts': return /^\/(var\/lib\/(docker|containers)|run\/(docker|containers|netns\/netns-))\//.test(l.item);
    case 'links': return dev.test(l.item);
    case 'addresses': case 'routes': return dev.test(l.item);
    case 'iptables': return dev.test(l.item) || /\bDOCKER\b/.test(l.item);
    case 'nftables': return /netavark/.test(l.item);
    default: return false;
  }
}

/** With the engine gone at the end of a run: what it holds is unchecked, not a leak — said so. */
export function engineUnchecked(leaks: Leak[], engine: string): Leak[] {
  return leaks.map((l) => (isLeak(l) && engineHeld(l)
    ? { ...l, not: `held by the ${engine} engine, which stopped answering during the run: unchecked; once it is `
      + `back (\`isolab provision\`), \`isolab clean\` removes this run's` }
    : l));
}
