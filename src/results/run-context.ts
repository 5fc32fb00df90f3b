// Set up once per run in the main process (vitest.config.ts): the run id, the report folder
// and the host facts, handed to the test workers through the environment.
import path from 'node:path';
import { runId } from '../core/names.js';
import { probeHost } from '../host/probe.js';
import { reportsRoot } from './write.js';

export async function prepareRun(): Promise<void> {
  const id = runId();
  process.env.ISOLAB_RUN_DIR ??= path.join(reportsRoot(), `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${id}`);
  if (!process.env.ISOLAB_HOST) process.env.ISOLAB_HOST = JSON.stringify(await probeHost());
}
