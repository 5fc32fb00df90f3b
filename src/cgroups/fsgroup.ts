// What v1 and v2 groups share: directories per controller, joining before exec, removal.
import { mkdir, readFile, writeFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { start, type Background } from '../core/exec.js';
import { Ledger } from '../core/ledger.js';
import { removeCgroupTree } from '../core/cgroup-tree.js';

export const readInt = async (file: string) => Number((await readFile(file, 'utf8')).trim());
export const readKey = async (file: string, key: string) => {
  const m = new RegExp(`^${key}\\s+(\\d+)`, 'm').exec(await readFile(file, 'utf8').catch(() => ''));
  return m ? Number(m[1]) : 0;
};

export async function write(file: string, value: string): Promise<{ file: string; value: string }> {
  try {
    await writeFile(file, value);
  } catch (e) {
    throw new Error(`cannot write "${value}" to ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { file, value };
}

/** mkdir a group dir, registered so the ledger kills what is in it and removes it. */
export async function makeGroupDir(ledger: Ledger, dir: string): Promise<void> {
  await mkdir(dir);
  ledger.add('cgroup', dir, async () => {
    const out: Array<{ kind: string; name: string; error?: string }> = [];
    await removeCgroupTree(dir, out);
    const err = out.find((o) => o.error);
    if (err) throw new Error(`${err.name}: ${err.error}`);
  });
}

interface Parent { users: number; own: Ledger; outer: Ledger; made: Promise<void>; closing?: Promise<void> }
const parents = new Map<string, Parent>();

/**
 * The run's parent group at `dir`, shared by every group this process makes under it: claims
 * side by side in one worker (CPU windows on seats of their own) use it together, so the first to
 * finish must not remove it from under the others. Made on first use by `make` — the parent's
 * own changes in `own`, the root's (v2 subtree_control) in `outer` — and removed, own then outer,
 * when the last group that took it is undone; one taken while it is being removed waits for that.
 */
export async function sharedParent(ledger: Ledger, dir: string,
  make: (own: Ledger, outer: Ledger) => Promise<void>): Promise<{ outer: Ledger }> {
  for (let q = parents.get(dir); q?.closing; q = parents.get(dir)) await q.closing;
  let p = parents.get(dir);
  if (!p) {
    // Made in this order: on SIGINT, live ledgers close newest first — the parent, then the root.
    const outer = new Ledger(`cgroup root for ${dir}`);
    const own = new Ledger(`cgroup parent ${dir}`);
    p = { users: 0, own, outer, made: make(own, outer) };
    parents.set(dir, p);
  }
  const entry = p;
  entry.users++;
  ledger.add('cgroup', `${dir} (this process's parent)`, async () => {
    if (--entry.users > 0) return;
    let failed: Array<{ name: string; error: string }> = [];
    entry.closing = (async () => {
      try {
        failed = [...(await entry.own.close()), ...(await entry.outer.close())];
      } finally {
        if (parents.get(dir) === entry) parents.delete(dir);
      }
    })();
    await entry.closing;
    if (failed.length) throw new Error(failed.map((f) => `${f.name}: ${f.error}`).join('; '));
  });
  await entry.made;
  return { outer: entry.outer };
}

export abstract class FsGroup {
  constructor(readonly name: string, readonly paths: Record<string, string>) {}

  /** Each hierarchy's cgroup.procs, deduplicated (v2: one). */
  protected procsFiles(): string[] {
    return [...new Set(Object.values(this.paths))].map((d) => path.join(d, 'cgroup.procs'));
  }

  async addProcess(pid: number): Promise<void> {
    for (const f of this.procsFiles()) await write(f, String(pid));
  }

  async exec(ledger: Ledger, argv: string[], opts: { maxLifeMs?: number } = {}): Promise<Background> {
    // sh writes its own pid into every hierarchy, then execs: the workload starts inside.
    const script = 'for f in $ISOLAB_PROCS; do echo $$ > "$f" || exit 111; done; exec "$@"';
    const b = start('sh', ['-c', script, 'sh', ...argv], { env: { ISOLAB_PROCS: this.procsFiles().join(' ') }, maxLifeMs: opts.maxLifeMs });
    ledger.add('process', `${b.pid} ${argv.join(' ')}`, () => b.stop(500));
    return b;
  }

  async procs(): Promise<number[]> {
    const txt = await readFile(this.procsFiles()[0]!, 'utf8').catch(() => '');
    return txt.split('\n').filter(Boolean).map(Number);
  }
}

/** Every isolab group of this run, and its cpu/memory/pids files: evidence for a failed check. */
export async function dumpRunGroups(prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(dir: string, depth: number, inside: boolean): Promise<void> {
    if (depth > 4) return;
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p, depth + 1, inside || e.name.startsWith(prefix));
      else if (inside && /^(cpu\.(shares|weight|max|cfs_quota_us|cfs_period_us|stat)|cpuacct\.usage|memory\.(max|limit_in_bytes|events|oom_control)|pids\.(max|events|current)|cgroup\.procs)$/.test(e.name)) {
        out[p] = (await readFile(p, 'utf8').catch((err) => `unreadable: ${err.code}`)).trim().slice(0, 400);
      }
    }
  }
  await walk('/sys/fs/cgroup', 0, false);
  return out;
}
