// Running the suites: vitest driven through its Node API with the same config and reporter as
// `npx vitest`, so both give the same results. `isolab run` and `isolab grade` start runs here.
import { startVitest } from 'vitest/node';
import { projectsOf } from './projects.js';
import path from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
import { CLAIMS, SUITES } from '../claims/catalog.js';
import { EXIT } from '../types/results.js';
import { DataFileError } from '../core/data-file.js';
import { loadScenarioDirs, courseDirs, writeScenarioSet, SUITE_OF, type Kind } from '../scenarios/files.js';
import type { RunRequest } from './request.js';
import { runId } from '../core/names.js';
import { ROOT, COMPILED, fromRoot, runFolder } from '../core/paths.js';
import { setSetting, setting } from '../core/settings.js';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A course's scenario folders, checked whole before anything runs: the kinds they hold, or null
 * after printing every problem (file:line and field) — then nothing has been created.
 */
export async function checkScenarioDirs(dirs: string[]): Promise<Kind[] | null> {
  if (!dirs.length) return [];
  try {
    const found = await loadScenarioDirs(dirs.map((d) => path.resolve(d)), true);
    return [...new Set(found.map((s) => s.kind))];
  } catch (e) {
    if (!(e instanceof DataFileError)) throw e;
    process.stderr.write(`isolab run: the scenario files have problems; nothing was run:\n${e.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return null;
  }
}

/**
 * The spec files that declare these claims (`claim('<id>'` in their text), so that files with
 * none of them start no worker; [] (every file of the suites) when a claim is declared only by
 * scenario files, whose ids no spec names.
 */
async function specFilesOf(ids: string[], suites: string[]): Promise<string[]> {
  // A course's scenario files may declare any claim; the suites' own do, except under grading.
  if (courseDirs().length) return [];
  if (!setting('submission')) {
    for (const suite of suites) {
      const dir = fromRoot('suites', suite, 'scenarios');
      for (const f of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.yaml'))) {
        const text = await readFile(path.join(dir, f), 'utf8');
        if (ids.some((id) => new RegExp(`claim: ${id.replace(/\./g, '\\.')}\\b`).test(text))) return [];
      }
    }
  }
  const named: Array<{ file: string; text: string }> = [];
  for (const suite of suites) {
    const dir = fromRoot('suites', suite);
    for (const f of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.spec.ts'))) {
      const text = await readFile(path.join(dir, f), 'utf8');
      if (ids.some((id) => text.includes(`claim('${id}'`))) named.push({ file: path.join('suites', suite, f), text });
    }
  }
  return ids.every((id) => named.some((n) => n.text.includes(`claim('${id}'`))) ? named.map((n) => n.file) : [];
}

export async function runSuites(request: RunRequest, opts: { quiet?: boolean } = {}): Promise<number> {
  const { suites } = request;
  const unknown = suites.filter((s) => !(SUITES as readonly string[]).includes(s) && s !== 'unit');
  if (unknown.length) {
    process.stderr.write(`isolab run: unknown suite ${unknown.map((u) => `"${u}"`).join(', ')}; suites are: ${SUITES.join(', ')}\n`);
    return 2;
  }
  // "claim.id" or "claim.id › scenario"
  const claims = request.claims;
  const idOf = (c: string) => c.split(' › ')[0]!;
  const badClaims = claims.filter((c) => !CLAIMS.some((d) => d.id === idOf(c)));
  if (badClaims.length) {
    process.stderr.write(`isolab run: unknown claim ${badClaims.join(', ')}; the ids are in docs/claims.md (isolab run --list)\n`);
    return 2;
  }
  // The scenario files parsed and checked once, here, for every worker; with no suite named, the
  // suites the course's files are for run (their own scenarios beside the course's).
  if (!setting('runDir')) setSetting('runDir', runFolder(runId()));
  let kinds: Kind[];
  try {
    kinds = await writeScenarioSet(setting('runDir')!, request.scenarios);
  } catch (e) {
    if (!(e instanceof DataFileError)) throw e;
    process.stderr.write(`isolab run: the scenario files have problems; nothing was run:\n${e.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return 2;
  }
  const projects = suites.length ? suites : claims.length ? [...new Set(claims.map((c) => CLAIMS.find((d) => d.id === idOf(c))!.suite))]
    : kinds.length ? [...new Set(kinds.map((k) => SUITE_OF[k]))] : [...SUITES];
  const vitest = await startVitest('test', claims.length ? await specFilesOf(claims.map(idOf), projects) : [], {
    root: ROOT,
    run: true,
    watch: false,
    project: projects.flatMap((s) => [...projectsOf(s)]),
    ...(claims.length ? { testNamePattern: `^(${claims.map(escapeRe).join('|')})( ›|$)` } : {}),
    passWithNoTests: false,
    // Imported by node (compiled in the package; through tsx in a checkout), not bundled into
    // node_modules/.vite-temp: a student grading without root may not write to an installed node_modules.
    configLoader: 'native',
    ...(COMPILED ? { config: path.join(COMPILED, 'vitest.config.js') } : {}),
    ...(opts.quiet ? { reporters: ['dot', './src/results/reporter.ts'] } : {}),
  });
  await vitest?.close();
  const failed = vitest ? vitest.state.getCountOfFailedTests() : 1;
  // The reporter tells a claim that failed (1) from a run the infrastructure stopped (3).
  if (process.exitCode === EXIT.incomplete) return EXIT.incomplete;
  return failed > 0 || process.exitCode ? EXIT.failed : EXIT.ok;
}
