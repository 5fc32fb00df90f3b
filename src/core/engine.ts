// Which container engine a run drives: docker (the default) or podman (`isolab run --engine
// podman`, rootful). Their CLIs agree on the verbs isolab uses (run, build, inspect, save, rm,
// network); where they differ — build output, version and info fields — the caller asks this.
export type EngineName = 'docker' | 'podman';

export function engineName(): EngineName {
  return process.env.ISOLAB_ENGINE === 'podman' ? 'podman' : 'docker';
}

/** A bad `--engine` value, named with what would work. */
export function checkEngine(name: string): EngineName {
  if (name === 'docker' || name === 'podman') return name;
  throw new Error(`unknown engine "${name}": use --engine docker or --engine podman`);
}
