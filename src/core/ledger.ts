// The cleanup ledger: what a check creates is registered with how to undo it, and undone in
// reverse order — when the check ends, when it fails or times out, and on SIGINT/SIGTERM.
export type ResourceKind =
  | 'mount' | 'netns' | 'link' | 'cgroup' | 'iptables' | 'process'
  | 'container' | 'network' | 'image' | 'tempdir' | 'compose' | 'other';

export interface Entry {
  kind: ResourceKind;
  name: string;
  undo: () => unknown | Promise<unknown>;
}

export interface UndoFailure {
  kind: ResourceKind;
  name: string;
  error: string;
}

const live = new Set<Ledger>();

export class Ledger {
  private entries: Entry[] = [];
  constructor(readonly label = 'run') {
    live.add(this);
  }

  add(kind: ResourceKind, name: string, undo: Entry['undo']): Entry {
    const e = { kind, name, undo };
    this.entries.push(e);
    return e;
  }

  /** Undo one entry now (e.g. a mount the check itself takes down) and forget it. */
  async release(e: Entry): Promise<void> {
    const i = this.entries.indexOf(e);
    if (i < 0) return;
    this.entries.splice(i, 1);
    await e.undo();
  }

  /** Forget an entry without undoing it (the resource went away with its owner). */
  forget(e: Entry): void {
    const i = this.entries.indexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
  }

  /** Forget the entries of this kind and name (removed together elsewhere, e.g. several containers in one call). */
  forgetNamed(kind: ResourceKind, names: string[]): void {
    this.entries = this.entries.filter((e) => e.kind !== kind || !names.includes(e.name));
  }

  get size(): number {
    return this.entries.length;
  }

  list(): ReadonlyArray<Pick<Entry, 'kind' | 'name'>> {
    return this.entries.map(({ kind, name }) => ({ kind, name }));
  }

  /** Undo everything, newest first; a failing undo is reported, the rest still run. */
  async undoAll(): Promise<UndoFailure[]> {
    const failures: UndoFailure[] = [];
    while (this.entries.length) {
      const e = this.entries.pop()!;
      try {
        await e.undo();
      } catch (err) {
        failures.push({ kind: e.kind, name: e.name, error: (err as Error).message });
      }
    }
    return failures;
  }

  async close(): Promise<UndoFailure[]> {
    const f = await this.undoAll();
    live.delete(this);
    return f;
  }
}

let installed = false;
/**
 * On SIGINT/SIGTERM, undo every open ledger of this process, then exit with 128+signo.
 * A second signal while undoing is ignored: half-done teardown is how leaks happen.
 */
export function installSignalCleanup(): void {
  if (installed) return;
  installed = true;
  let undoing = false;
  const onSignal = async (sig: NodeJS.Signals) => {
    if (undoing) return;
    undoing = true;
    const all = [...live];
    for (const l of all.reverse()) {
      const failures = await l.close();
      for (const f of failures) process.stderr.write(`isolab: cleanup of ${f.kind} ${f.name} failed: ${f.error}\n`);
    }
    // Re-raise with no listener left, so the default action ends the process: test runners
    // (vitest's workers) replace process.exit with a function that throws.
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.kill(process.pid, sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
