// `isolab run --repeat N`: the same run N times, one after another, each a run of its own (its
// own id, leak check and report), then folded into pass counts, spreads and margins.
import { spawn } from 'node:child_process';
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { newRunId } from '../../core/names.js';
import { foldRepeats, repeatMarkdown } from '../../results/repeat.js';
import { reportsRoot, runFolder } from '../../core/paths.js';
import type { Results } from '../../types/results.js';
import { BIN } from '../../core/paths.js';
import { envWith, SETTINGS } from '../../core/settings.js';
import { requestEnv, type RunRequest } from '../../run/request.js';


/** Each run is handed the same request (an `isolab run` without arguments reads it). */
export async function repeatRuns(n: number, request: RunRequest): Promise<number> {
  if (!Number.isInteger(n) || n < 2 || n > 100) {
    process.stderr.write(`isolab run: --repeat takes a count from 2 to 100, got ${n}\n`);
    return 2;
  }
  const all: Results[] = [];
  for (let i = 1; i <= n; i++) {
    const id = newRunId();
    process.stderr.write(`\nisolab run --repeat ${n}: run ${i}/${n} (${id})\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, ...envWith({ runId: id }), ...requestEnv(request) };
    for (const k of [SETTINGS.runDir.env, SETTINGS.host.env]) delete env[k];
    const code = await new Promise<number>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'run'], { env, stdio: 'inherit' });
      p.on('exit', (c, s) => resolve(c ?? (s ? 128 : 1)));
    });
    // Each run writes its own folder; latest points at it once it is done. A guest's run has an
    // id of its own inside the guest: its folder on the host is named for this one (…-<id>-trixie).
    const latest = path.join(reportsRoot(), 'latest');
    const folder = path.basename(await realpath(latest).catch(() => ''));
    const r = JSON.parse(await readFile(path.join(latest, 'results.json'), 'utf8').catch(() => 'null')) as Results | null;
    if (!r || (r.run.id !== id && !folder.includes(`-${id}-`))) {
      process.stderr.write(`isolab run --repeat: run ${i} (exit ${code}) wrote no results; stopping\n`);
      return 1;
    }
    all.push(r);
  }
  const rows = foldRepeats(all);
  const out = runFolder(newRunId(), 'repeat');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'repeat.json'),
    JSON.stringify({ schema: 'isolab/repeat@1', runs: all.map((r) => r.run.id), rows }, null, 2) + '\n');
  const md = repeatMarkdown(rows, n);
  await writeFile(path.join(out, 'repeat.md'), md);
  process.stdout.write(`\n${md}\nisolab: ${rows.filter((r) => r.passed === r.runs - (r.verdicts.skip ?? 0) && !r.verdicts.fail).length}/${rows.length} claims and scenarios held in every run; ${path.relative(process.cwd(), out)}/repeat.md\n`);
  return rows.some((r) => r.verdicts.fail) ? 1 : 0;
}
