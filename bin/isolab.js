#!/usr/bin/env node
// The isolab command. Sources are TypeScript; tsx loads them on any Node ≥ 20.19.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
