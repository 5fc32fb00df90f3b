// `isolab provision`: the project's own set-up, idempotent — the plan in src/provision/plan.ts,
// executed with zx by src/provision/execute.ts (the same package recipe the guests are built from).
import { runProvision } from '../../provision/execute.js';

export async function provision(opts: { go?: boolean; vm?: boolean; ifRoot?: boolean }): Promise<number> {
  if (process.getuid?.() !== 0) {
    if (opts.ifRoot) {
      process.stderr.write('isolab provision: not root, skipping set-up (suites that need root will skip)\n');
      return 0;
    }
    process.stderr.write('isolab provision: must run as root: sudo npx isolab provision\n');
    return 1;
  }
  return runProvision({ go: opts.go !== false, vm: opts.vm !== false });
}
