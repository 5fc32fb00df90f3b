// `isolab run [suite…] [--claim id]`: the options checked, then the catalog listed, the run
// repeated, run in a guest, or run here (src/run/suites.ts) — beside outside load if asked.
import path from 'node:path';
import { CLAIMS } from '../../claims/catalog.js';
import { setSetting } from '../../core/settings.js';

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

/** The argv after `run`, without --repeat and its value: what each repeated run is given. */
function argvWithoutRepeat(): string[] {
  const argv = process.argv.slice(process.argv.indexOf('run') + 1);
  const at = argv.findIndex((a) => a === '--repeat' || a.startsWith('--repeat='));
  argv.splice(at, argv[at]!.includes('=') ? 1 : 2);
  return argv;
}

export async function runCommand(suites: string[], o: RunOptions): Promise<number> {
  // The workers read it from the environment, as under `ISOLAB_ENGINE=podman npx vitest`.
  if (o.engine) {
    try {
      setSetting('engine', (await import('../../core/engine-name.js')).checkEngine(o.engine));
    } catch (e) {
      process.stderr.write(`isolab run: ${(e as Error).message}\n`);
      return 2;
    }
  }
  if (o.list && o.markdown) {
    process.stdout.write((await import('../../claims/catalog-doc.js')).claimsMarkdown());
    return 0;
  }
  if (o.list) {
    for (const c of CLAIMS) process.stdout.write(`${c.id.padEnd(34)} ${c.suite.padEnd(8)} ${c.statement}\n`);
    return 0;
  }
  if (o.repeat !== undefined) return (await import('./repeat.js')).repeatRuns(o.repeat, argvWithoutRepeat());
  const { checkScenarioDirs, runSuites } = await import('../../run/suites.js');
  if (o.guest) {
    const kinds = await checkScenarioDirs(o.scenarios ?? []);
    if (kinds === null) return 2;
    const { runInGuest } = await import('../../guest/run-in-guest.js');
    const { checkEngine } = await import('../../core/engine-name.js');
    const args = [...suites, ...(o.claim ?? []).flatMap((c) => ['--claim', c]), ...(o.engine ? ['--engine', o.engine] : [])];
    return runInGuest(o.guest, args,
      { scenarios: o.scenarios?.map((d) => path.resolve(d)), engine: o.engine ? checkEngine(o.engine) : 'docker' });
  }
  return withBeside(o.beside, () => runSuites(suites, o));
}
