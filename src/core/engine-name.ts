// Which container engine a run drives: docker (the default) or podman (`isolab run --engine
// podman`, rootful). Their CLIs agree on the verbs isolab uses (run, build, inspect, save, rm,
// network); where they differ — build output, version and info fields — the caller asks this.
import { setting } from './settings.js';
import type { EngineName } from '../types/host.js';
export type { EngineName };

/** ISOLAB_ENGINE, unset or empty meaning docker; a misspelt value is an error, never docker. */
export function engineName(): EngineName {
  const v = setting('engine');
  if (v === undefined) return 'docker';
  if (v === 'docker' || v === 'podman') return v;
  throw new Error(`ISOLAB_ENGINE="${v}" names no engine: set ISOLAB_ENGINE=docker or ISOLAB_ENGINE=podman (or unset it)`);
}

/** A bad `--engine` value, named with what would work. */
export function checkEngine(name: string): EngineName {
  if (name === 'docker' || name === 'podman') return name;
  throw new Error(`unknown engine "${name}": use --engine docker or --engine podman`);
}
