// `isolab clean`: remove what an earlier (crashed) run left, found by the isolab- prefix —
// only things isolab names, never anything else. Also the backstop a run calls on itself.
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, which } from '../core/exec.js';
import { mounts } from '../core/fs.js';
import { PREFIX } from '../core/names.js';
import { allRuns, unregisterRun } from '../core/runs.js';
import { killPids, removeCgroupTree, type Removed } from '../core/cgroup-tree.js';

export type { Removed };
import { cleanBuildLeftovers } from '../docker/journal.js';
import { dropRunCache, runsWithCache } from '../docker/run-cache.js';


const q = { check: false, timeoutMs: 20_000 } as const;
const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);


/**
 * A run's resources are named isolab-<id>-…, and its cgroup parent is isolab-<id> itself. A
 * run that is alive now (the run registry) is never cleaned by another: only dead runs' things.
 */
const matcher = (prefix: string) => {
  const live = allRuns().filter((r) => r.live && !prefix.startsWith(`${PREFIX}-${r.id}`)).map((r) => `${PREFIX}-${r.id}`);
  return (name: string) => (name.startsWith(prefix) || name === prefix.replace(/-$/, '')) && !live.some((l) => name.startsWith(l));
};

async function cgroupDirs(prefix: string): Promise<string[]> {
  const mine = matcher(prefix);
  const found: string[] = [];
  async function walk(dir: string, depth: number) {
    if (depth > 3) return;
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (mine(e.name)) found.push(p);
      else await walk(p, depth + 1);
    }
  }
  await walk('/sys/fs/cgroup', 0);
  return found;
}


/** Remove every resource whose name starts with `prefix` (default: any isolab run). */
export async function clean(prefix = `${PREFIX}-`): Promise<Removed[]> {
  const out: Removed[] = [];
  const ours = matcher(prefix);
  // Both engines: a run under --engine podman leaves podman's containers, networks, images.
  for (const e of ['docker', 'podman'] as const) {
    if (!(await which(e)) || (await run(e, ['version'], q)).exitCode !== 0) continue;
    const cs = lines((await run(e, ['ps', '-a', '--format', '{{.Names}}'], q)).stdout).filter(ours);
    for (const c of cs) {
      const r = await run(e, ['rm', '-f', '-v', c], q);
      out.push({ kind: 'container', name: c, ...(r.exitCode ? { error: r.stderr.trim() } : {}) });
    }
    const ns = lines((await run(e, ['network', 'ls', '--format', '{{.Name}}'], q)).stdout).filter(ours);
    for (const n of ns) {
      const r = await run(e, ['network', 'rm', n], q);
      out.push({ kind: 'network', name: n, ...(r.exitCode ? { error: r.stderr.trim() } : {}) });
    }
    // podman names a local build localhost/<name>: matched without that prefix.
    const imgs = lines((await run(e, ['images', '--format', '{{.Repository}}:{{.Tag}}'], q)).stdout).filter((i) =>
      ours(i.replace(/^localhost\//, '')));
    for (const i of imgs) {
      const r = await run(e, ['rmi', '-f', i], q);
      out.push({ kind: 'image', name: i, ...(r.exitCode ? { error: r.stderr.trim() } : {}) });
    }
    // A dead run's cached build layers (untagged, labelled with its id: src/docker/run-cache.ts).
    for (const id of (await runsWithCache(e)).filter((r) => ours(`${PREFIX}-${r}`))) {
      const r = await dropRunCache(id, e);
      out.push({ kind: 'build cache', name: `run ${id}: ${r.removed} layer(s)`,
        ...(r.left.length ? { error: `${r.left.length} still in use${r.error ? `: ${r.error}` : ''}` } : {}) });
    }
  }
  // What a dead run's builds left on an engine that died under them: step containers, untagged images.
  out.push(...(await cleanBuildLeftovers()));
  // Network namespaces: end what runs in them (a run's servers), then delete.
  for (const ns of lines((await run('ip', ['netns', 'list'], q)).stdout).map((l) => l.split(' ')[0]!).filter(ours)) {
    const pids = lines((await run('ip', ['netns', 'pids', ns], q)).stdout).map(Number);
    await killPids(pids, out, `netns ${ns}`);
    const r = await run('ip', ['netns', 'delete', ns], q);
    out.push({ kind: 'netns', name: ns, ...(r.exitCode ? { error: r.stderr.trim() } : {}) });
  }
  for (const l of lines((await run('ip', ['-o', 'link', 'show'], q)).stdout).map((x) =>
    x.split(':')[1]!.trim().split('@')[0]!).filter((n) => n.startsWith(PREFIX))) {
    if (!ours(l) || (!l.startsWith(prefix.slice(0, 15)) && prefix !== `${PREFIX}-`)) continue;
    const r = await run('ip', ['link', 'delete', l], q);
    out.push({ kind: 'link', name: l, ...(r.exitCode ? { error: r.stderr.trim() } : {}) });
  }
  for (const dir of await cgroupDirs(prefix)) await removeCgroupTree(dir, out);
  // Mounts under isolab temp dirs, deepest first, then the dirs themselves.
  const mine = (await mounts()).filter((m) =>
    m.mountPoint.includes(`/${prefix}`) && ours(m.mountPoint.slice(m.mountPoint.indexOf(`/${prefix}`) + 1))).map((m) => m.mountPoint);
  for (const mp of [...new Set(mine)].sort((a, b) => b.length - a.length)) {
    const r = await run('umount', ['-l', mp], q);
    out.push({ kind: 'mount', name: mp, ...(r.exitCode ? { error: r.stderr.trim() } : {}) });
  }
  for (const d of (await readdir(tmpdir()).catch(() => [])).filter((n) => ours(n) && !n.startsWith('isolab-provision'))) {
    await rm(path.join(tmpdir(), d), { recursive: true, force: true }).catch(() => undefined);
    out.push({ kind: 'tempdir', name: path.join(tmpdir(), d) });
  }
  // A dead run's entry in the run registry goes with its leftovers.
  for (const r of allRuns().filter((x) => !x.live && ours(`${PREFIX}-${x.id}-`))) {
    unregisterRun(r.id);
    out.push({ kind: 'run-entry', name: `${r.id} (pid ${r.pid}, dead)` });
  }
  return out;
}
