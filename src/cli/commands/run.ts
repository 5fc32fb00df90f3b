// `isolab run [suite…] [--claim id]`: the options checked, then the catalog listed, the run
// repeated, run in a guest, or run here (src/run/suites.ts) — beside outside load if asked.
import { CLAIMS } from '../../claims/catalog.js';
import { setSetting } from '../../core/settings.js';
import { checkEngine } from '../../core/engine-name.js';
import { requestOf, takeRequest, type RunRequest } from '../../run/request.js';

export interface RunOptions {
  claim?: string[];
  list?: boolean;
  guest?: string;
  markdown?: boolean;
  scenarios?: string[];
  repeat?: number;
  engine?: string;
  beside?: string;
}

/** `--beside cpu=0.3`: the run's own outside load around `fn`, said in results.json (run.beside). */
async function withBeside(spec: string | undefined, fn: () => Promise<number>): Promise<number> {
  if (!spec) return fn();
  const { parseBeside, startLoad } = await import('../../core/load.js');
  let load;
  try {
    load = startLoad(parseBeside(spec));
  } catch (e) {
    process.stderr.write(`isolab run: ${(e as Error).message}\n`);
    return 2;
  }
  setSetting('beside', load.description);
  process.stderr.write(`isolab: ${load.description}\n`);
  try {
    return await fn();
  } finally {
    await load.stop();
  }
}

export async function runCommand(suites: string[], o: RunOptions): Promise<number> {
  let request: RunRequest;
  try {
    // Started by isolab itself without arguments (a repeat's run, a guest's): the request it was handed.
    const handed = !suites.length && !o.claim && !o.scenarios && !o.engine && !o.beside ? takeRequest() : null;
    request = handed ?? requestOf(suites, { ...o, engine: o.engine ? checkEngine(o.engine) : undefined });
  } catch (e) {
    process.stderr.write(`isolab run: ${(e as Error).message}\n`);
    return 2;
  }
  // The workers read it from the environment, as under `ISOLAB_ENGINE=podman npx vitest`.
  if (request.engine) setSetting('engine', request.engine);
  if (o.list && o.markdown) {
    process.stdout.write((await import('../../claims/catalog-doc.js')).claimsMarkdown());
    return 0;
  }
  if (o.list) {
    for (const c of CLAIMS) process.stdout.write(`${c.id.padEnd(34)} ${c.suite.padEnd(8)} ${c.statement}\n`);
    return 0;
  }
  if (o.repeat !== undefined) return (await import('./repeat.js')).repeatRuns(o.repeat, request);
  const { checkScenarioDirs, runSuites } = await import('../../run/suites.js');
  if (o.guest) {
    if ((await checkScenarioDirs(request.scenarios)) === null) return 2;
    return (await import('../../guest/run-in-guest.js')).runInGuest(o.guest, request);
  }
  return withBeside(request.beside, () => runSuites(request));
}
