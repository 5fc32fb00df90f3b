// What a run is asked to do, as one typed object: built once from the command line and handed,
// as it is, to what carries it out — the suites here, each run of a repeat, the run inside a
// guest — through the settings module (the request setting), never turned back into arguments.
import path from 'node:path';
import type { EngineName } from '../types/host.js';
import { envWith, setSetting, setting } from '../core/settings.js';

export interface RunRequest {
  /** suites by name; none: every suite (or those a course's scenario files are for) */
  suites: string[];
  /** claim ids, or "claim › scenario" */
  claims: string[];
  /** a course's scenario folders (absolute) */
  scenarios: string[];
  engine?: EngineName;
  /** outside load the run starts beside itself (`--beside cpu=0.3`) */
  beside?: string;
}

export const emptyRequest = (): RunRequest => ({ suites: [], claims: [], scenarios: [] });

/** The request from the command line's words (folders made absolute). */
export function requestOf(suites: string[], o: { claim?: string[]; scenarios?: string[]; engine?: EngineName; beside?: string })
  : RunRequest {
  return { suites, claims: o.claim ?? [], scenarios: (o.scenarios ?? []).map((d) => path.resolve(d)),
    ...(o.engine ? { engine: o.engine } : {}), ...(o.beside ? { beside: o.beside } : {}) };
}

/** The environment that hands `r` to an `isolab run` started without arguments. */
export const requestEnv = (r: RunRequest) => envWith({ request: JSON.stringify(r) });

/**
 * The request handed to this process, taken once: the setting is cleared so that the runs this
 * one starts (a test's own `isolab run`) never inherit it.
 */
export function takeRequest(): RunRequest | null {
  const v = setting('request');
  if (!v) return null;
  setSetting('request', undefined);
  const r = JSON.parse(v) as Partial<RunRequest>;
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (!strings(r.suites) || !strings(r.claims) || !strings(r.scenarios))
    throw new Error(`the run's request (${v.slice(0, 80)}) is not one isolab wrote: run isolab with its arguments instead`);
  return r as RunRequest;
}
