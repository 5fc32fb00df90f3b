// What a build made on the engine, written down as soon as the build's client returns, until the
// ledger has removed it. An engine that dies mid-build leaves the legacy builder's step
// containers (Created) and untagged intermediate images that no name ties to a run; the ledger
// cannot remove them while the engine is gone, and the run ends. `isolab clean` reads the
// journals of runs no longer alive and removes what they list — by id, and only what is still
// untagged and unused.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/exec.js';
import { engineName, type EngineName } from '../core/engine-name.js';
import { runId } from '../core/names.js';
import { runsDir, allRuns } from '../core/runs.js';

export interface BuildJournal {
  run: string;
  engine: EngineName;
  tag: string;
  images: string[];
  containers: string[];
}

const dir = () => path.join(runsDir(), 'builds');
let n = 0;

/** The legacy builder's step containers: " ---> Running in <id>". */
export const stepContainers = (output: string) =>
  [...new Set([...output.matchAll(/^ ---> Running in ([0-9a-f]{12,64})$/gm)].map((m) => m[1]!))];

export interface Journal {
  /** what one more build printed: its images and step containers */
  add(output: string, ids: string[]): Promise<void>;
  /** they are removed: nothing to clean */
  forget(): Promise<void>;
}

/** A journal for what `tag` (an image, or a compose project) builds. */
export function openJournal(tag: string): Journal {
  const file = path.join(dir(), `${runId()}-${process.pid}-${++n}.json`);
  const entry: BuildJournal = { run: runId(), engine: engineName(), tag, images: [], containers: [] };
  return {
    async add(output, ids) {
      const images = [...new Set([...entry.images, ...ids])];
      const containers = [...new Set([...entry.containers, ...stepContainers(output)])];
      if (images.length === entry.images.length && containers.length === entry.containers.length) return;
      Object.assign(entry, { images, containers });
      try {
        await mkdir(dir(), { recursive: true });
        await writeFile(file, JSON.stringify(entry));
      } catch {
        /* a read-only runs folder: the ledger still removes them; only a crash would leave them */
      }
    },
    forget: () => rm(file, { force: true }),
  };
}

const q = { check: false, timeoutMs: 20_000 } as const;

/** Remove what dead runs' builds left (journals of live runs are theirs); what was removed, and what could not be. */
export async function cleanBuildLeftovers(): Promise<Array<{ kind: string; name: string; error?: string }>> {
  const out: Array<{ kind: string; name: string; error?: string }> = [];
  const live = new Set(allRuns().filter((r) => r.live).map((r) => r.id));
  const files = (await readdir(dir()).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
  for (const f of files) {
    const file = path.join(dir(), f);
    const j = JSON.parse(await readFile(file, 'utf8').catch(() => 'null')) as BuildJournal | null;
    if (j && live.has(j.run)) continue;
    if (!j) {
      await rm(file, { force: true });
      continue;
    }
    if ((await run(j.engine, ['version'], q).catch(() => null))?.exitCode !== 0) {
      out.push({ kind: 'build leftovers', name: `${j.tag} (run ${j.run})`, error: `${j.engine} does not answer; kept for the next clean` });
      continue;
    }
    let stuck = 0;
    for (const c of j.containers) {
      const st = await run(j.engine, ['inspect', '--format', '{{.State.Status}}', c], q);
      if (st.exitCode !== 0) continue; // gone already
      // A builder's step container is never running once its build's client has returned.
      if (!/^(created|exited|dead)$/.test(st.stdout.trim())) {
        out.push({ kind: 'build container', name: c, error: `it is ${st.stdout.trim()}: not a build's leftover; left alone` });
        continue;
      }
      const r = await run(j.engine, ['rm', '-f', c], q);
      out.push({ kind: 'build container', name: `${c.slice(0, 12)} (step of ${j.tag})`,
        ...(r.exitCode ? { error: r.stderr.trim() } : {}) });
      if (r.exitCode) stuck++;
    }
    // Children before parents: each pass removes what nothing depends on any more.
    let left = [...j.images];
    for (let pass = 0; pass < 6 && left.length; pass++) {
      const next: string[] = [];
      for (const id of left) {
        const tags = await run(j.engine, ['image', 'inspect', '--format', '{{len .RepoTags}}', id], q);
        if (tags.exitCode !== 0) continue; // gone already
        if (tags.stdout.trim() !== '0') continue; // tagged since: someone's image now, not a leftover
        const r = await run(j.engine, ['rmi', id], q);
        if (r.exitCode === 0) out.push({ kind: 'build image', name: `${id.replace(/^sha256:/, '').slice(0, 12)} (untagged, of ${j.tag})` });
        else next.push(id);
      }
      if (next.length === left.length) break;
      left = next;
    }
    // What is still used (a child image, a container) belongs to someone now: not ours to force.
    if (!stuck) await rm(file, { force: true });
  }
  return out;
}
