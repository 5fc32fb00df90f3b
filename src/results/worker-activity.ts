// A vitest setup file: every worker marks the suite it runs as active for this run while its
// file runs, so a CPU window can verify nothing else of the run — or of another run — is beside
// it (src/core/activity.ts).
import { afterAll } from 'vitest';
import { startWork, markIdle } from '../core/activity.js';
import { setting } from '../core/settings.js';

// A suite that does not measure waits while another run's CPU window is open (bounded) — here,
// before its test file's imports load (CPU another run's window would otherwise share).
// (vitest runs setup files before each test file: ISOLAB_SUITE is the project's, vitest.config.ts.)
await startWork(setting('suite') ?? 'unknown');
afterAll(() => markIdle());
