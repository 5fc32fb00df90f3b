// Every resource a run makes carries `isolab-<runId>-`: the leak check and `isolab clean`
// find them by that prefix, and two runs on one host never collide.
import { randomBytes } from 'node:crypto';
import { setting, setSetting } from './settings.js';

export const PREFIX = 'isolab';
/** The label a run's builds carry right after each FROM, naming the run: its build cache is its own. */
export const CACHE_LABEL = 'isolab.cache';
/** Matches any isolab resource name, of any run. */
export const ANY_RUN = /isolab-[0-9a-z]{6}\b/;

export function newRunId(): string {
  return randomBytes(4).readUInt32BE().toString(36).padStart(6, '0').slice(-6);
}

/** The run id shared by the CLI, vitest's main process and its workers (through the env). */
export function runId(): string {
  if (!setting('runId')) setSetting('runId', newRunId());
  return setting('runId')!;
}

export function runPrefix(id = runId()): string {
  return `${PREFIX}-${id}`;
}

/** A run-unique resource name: isolab-<runId>-<part>. */
export function resourceName(part: string): string {
  return `${runPrefix()}-${part}`.replace(/[^A-Za-z0-9_.-]/g, '-');
}

/**
 * The run's cgroup parent in this process: isolab-<runId>-<pid>. Suites of one run work side by
 * side, each creating and removing its own parent (one shared by all would be removed under
 * another suite's groups, or made by two at once).
 */
export function groupParentName(): string {
  return `${runPrefix()}-${process.pid}`;
}
