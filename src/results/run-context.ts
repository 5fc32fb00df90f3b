// Set up once per run in the main process (vitest.config.ts): the run id, the report folder
// and the host facts, handed to the test workers through the environment.
import { runId } from '../core/names.js';
import { probeHost } from '../host/probe.js';
import { runFolder } from './write.js';
import { registerRun } from '../core/runs.js';
import { engineName } from '../core/engine.js';
import { setting, setSetting } from '../core/settings.js';

export async function prepareRun(): Promise<void> {
  engineName(); // a misspelt ISOLAB_ENGINE stops the run here, named, before anything starts
  const id = runId();
  // Announce this run host-wide: another run's leak check and `isolab clean` spare what it makes.
  registerRun(id);
  if (!setting('runDir')) setSetting('runDir', runFolder(id));
  if (!setting('host')) setSetting('host', JSON.stringify(await probeHost()));
}
