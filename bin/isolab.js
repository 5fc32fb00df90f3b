#!/usr/bin/env node
// The isolab command.
import { loadModule } from './load.js';

const { main } = await loadModule('src/cli/main');
process.exitCode = await main(process.argv);
