#!/usr/bin/env node
// After SIGINT/SIGTERM the vitest reporter runs this, synchronously, to finish the run: wait for
// its workers' cleanup, sweep, check for leaks, write the partial results (src/results/interrupted.ts).
import { loadModule } from './load.js';

const { finishInterrupted } = await loadModule('src/results/interrupted');
process.exitCode = await finishInterrupted(process.argv[2]);
