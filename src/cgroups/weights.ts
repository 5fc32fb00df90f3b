// How weights become shares and back. cgroup v2 speaks cpu.weight (1..10000, default 100);
// v1 speaks cpu.shares (2..262144, default 1024). isolab maps a v2 weight to v1 shares as
// systemd does (CPUWeight → CPUShares): shares = weight × 1024 / 100, so ratios are kept.
// Docker's --cpu-shares go the other way on v2, and the formula depends on the runtime.

export const weightToShares = (w: number) => Math.max(2, Math.round((w * 1024) / 100));

/** runc < 1.3.2 (and crun < 1.23): linear map of [2, 262144] onto [1, 10000]. */
export const sharesToWeightLinear = (s: number) => (s === 0 ? 0 : 1 + Math.floor(((s - 2) * 9999) / 262142));

/**
 * runc ≥ 1.3.2 / 1.4 and crun ≥ 1.23: a quadratic in log2(shares) chosen so that the default
 * 1024 shares map to the default weight 100 (and 2 → 1, 262144 → 10000).
 */
export function sharesToWeightLog(s: number): number {
  if (s === 0) return 0;
  if (s <= 2) return 1;
  if (s >= 262144) return 10000;
  const l = Math.log2(s);
  const exp = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return Math.ceil(Math.pow(10, exp));
}

/** systemd's CPUShares → CPUWeight: s × 100 / 1024. */
export const sharesToWeightSystemd = (s: number) => Math.max(1, Math.min(10000, Math.round((s * 100) / 1024)));

/** The CPU split weights predict for busy, equally pinned siblings. */
export function predictSplit(weights: Record<string, number>): Record<string, number> {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(weights).map(([k, w]) => [k, w / total]));
}
