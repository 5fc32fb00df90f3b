// A vitest setup file: every worker marks the suite it runs as active for this run while its
// file runs, so a CPU window can verify nothing else of the run is beside it (src/core/runs.ts).
import { beforeAll, afterAll } from 'vitest';
import { markActive, markIdle } from '../core/runs.js';

beforeAll(({}, file) => markActive((file as { projectName?: string }).projectName || 'unknown'));
afterAll(() => markIdle());
