// The guest hosts as a benchmark (`isolab bench guests`, not a timed test): for each cached
// guest, its cold build time (its manifest), the cached check, a boot to a usable shell and to a
// ready engine (measured now), and each suite's time in its newest guest run beside this host's
// newest run of the same suite. A guest not built is skipped with the command that builds it.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchContext } from './types.js';
import { GUESTS } from '../guest/recipe.js';
import { buildGuest, guestFiles, preflight, readManifest } from '../guest/build.js';
import { runJob, type Accel } from '../guest/machine.js';
import { runPrefix } from '../core/names.js';
import { reportsRoot } from '../core/paths.js';
import type { Results } from '../types/results.js';
import { setting } from '../core/settings.js';
import { START_DOCKERD_SH } from '../core/waits.js';

/** The job: start the engine, say when it answers (guest uptime), stop it. */
const ENGINE_JOB = `${START_DOCKERD_SH}start_dockerd /dev/null 120 && echo "ENGINE-READY $(cut -d' ' -f1 /proc/uptime)"
kill "$engine"; wait "$engine"
exit 0
`;

interface SuiteTimes {
  run: string;
  wallS: number;
  /** per suite: the sum of its claims' durations (suites run side by side, so these overlap) */
  claimSeconds: Record<string, number>;
}

function times(dir: string, r: Results): SuiteTimes {
  const claimSeconds: Record<string, number> = {};
  for (const c of r.claims) claimSeconds[c.suite] = (claimSeconds[c.suite] ?? 0) + c.durationMs / 1000;
  for (const k of Object.keys(claimSeconds)) claimSeconds[k] = Math.round(claimSeconds[k]! * 10) / 10;
  const wallS = Math.round((Date.parse(r.run.finishedAt) - Date.parse(r.run.startedAt)) / 1000);
  return { run: path.basename(dir), wallS, claimSeconds };
}

/** The newest results.json under the reports folder that `pick` accepts. */
async function newest(pick: (r: Results, dir: string) => boolean): Promise<SuiteTimes | null> {
  const root = reportsRoot();
  const dirs = (await readdir(root).catch(() => [] as string[])).filter((d) => /^\d{8}T\d{6}-/.test(d)).sort().reverse();
  for (const d of dirs) {
    const r = await readFile(path.join(root, d, 'results.json'), 'utf8').then((t) => JSON.parse(t) as Results, () => null);
    if (r && pick(r, d)) return times(d, r);
  }
  return null;
}

const guestOf = (r: Results) => (r.host as { guest?: { name?: string } }).guest?.name;

export async function guests(ctx: BenchContext) {
  await preflight();
  const accel: Accel = setting('guestAccel') === 'kvm' ? 'kvm' : 'tcg';
  const host = await newest((r) => !guestOf(r) && !(r.run.suites ?? []).includes('bench') && r.claims.length > 0);
  const rows = [];
  for (const name of Object.keys(GUESTS)) {
    const manifest = await readManifest(name);
    if (!manifest) {
      rows.push({ guest: name, skipped: `not built: sudo npx isolab guest build ${name}` });
      continue;
    }
    ctx.progress(`guests: ${name}: cached check, then a boot (${accel}) …`);
    const t0 = performance.now();
    const built = await buildGuest(name, { accel });
    const cachedCheckMs = Math.round(performance.now() - t0);
    const job = await mkdtemp(path.join(tmpdir(), `${runPrefix()}-benchguest-`));
    // Retried: after SIGINT the main flow may still be writing into it.
    ctx.ledger.add('tempdir', job, () => rm(job, { recursive: true, force: true, maxRetries: 5 }));
    await writeFile(path.join(job, 'job.sh'), ENGINE_JOB);
    let engineReadyS: number | null = null;
    const r = await runJob(ctx.ledger, guestFiles(name), job, path.join(job, 'back'), {
      accel, bootTimeoutMs: 240_000, timeoutMs: 300_000, extraMb: 16,
      onLine: (l) => {
        const m = /ENGINE-READY ([\d.]+)/.exec(l);
        if (m) engineReadyS = Number(m[1]);
      },
    });
    const inGuest = await newest((x) => guestOf(x) === name);
    rows.push({
      guest: name, accel, versions: manifest.versions,
      buildColdS: manifest.buildSeconds, cachedCheckMs, cached: built.cached,
      bootToShellS: r.bootMs === null ? null : Math.round(r.bootMs / 100) / 10,
      engineReadyUptimeS: engineReadyS, jobExit: r.exitCode, bootJobS: Math.round(r.totalMs / 100) / 10,
      suites: inGuest,
      // The same suite's claim time, guest over host: the emulation's cost on this machine.
      guestOverHost: inGuest && host ? Object.fromEntries(Object.entries(inGuest.claimSeconds)
        .filter(([s]) => host.claimSeconds[s]).map(([s, v]) => [s, Math.round((v / host.claimSeconds[s]!) * 10) / 10])) : null,
    });
  }
  return { host, rows };
}
