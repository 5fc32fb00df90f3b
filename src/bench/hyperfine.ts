// hyperfine times the same command in the same run, as a second opinion on the harness's
// own figure (spawning from node adds its own fork/exec and event-loop cost).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, which } from '../core/exec.js';

export interface HyperfineResult {
  meanMs: number;
  p50Ms: number;
  runs: number;
  /** every run, ms */
  timesMs: number[];
}

export async function hyperfine(argv: string[], runs: number, warmup = 1,
  timeoutMs = 120_000 + runs * 5000): Promise<HyperfineResult | { skipped: string }> {
  if (!(await which('hyperfine'))) return { skipped: 'hyperfine not installed (apt-get install hyperfine)' };
  const dir = await mkdtemp(path.join(tmpdir(), 'isolab-hyperfine-'));
  try {
    const out = path.join(dir, 'h.json');
    // -N: no intermediate shell, so the figure is the command's own.
    await run('hyperfine', ['-N', '--warmup', String(warmup), '--runs', String(Math.max(runs, 2)), '--export-json',
      out, '--style', 'none', argv.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')], { timeoutMs });
    const j = JSON.parse(await readFile(out, 'utf8')) as { results: Array<{ mean: number; median: number; times: number[] }> };
    const r = j.results[0]!;
    return { meanMs: r.mean * 1000, p50Ms: r.median * 1000, runs: r.times.length, timesMs: r.times.map((t) => t * 1000) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
