// Removing a cgroup tree a run made: what is in it killed first (by pid: processes the run
// started), then the groups bottom-up. The groups' own cleanup and `isolab clean` both use it.
import { readdir, readFile, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { until } from './waits.js';

export interface Removed {
  kind: string;
  name: string;
  error?: string;
}

const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);

export async function killPids(pids: number[], out: Removed[], where: string) {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      out.push({ kind: 'process', name: `${pid} (in ${where})` });
    } catch {
      /* gone */
    }
  }
}

/** Remove a cgroup tree bottom-up after killing what is in it (processes a run started). */
export async function removeCgroupTree(dir: string, out: Removed[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) await removeCgroupTree(path.join(dir, e.name), out);
  }
  await until(async () => {
    const procs = lines(await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).map(Number);
    if (procs.length) await killPids(procs, out, dir);
    return !procs.length;
  }, { what: `${dir} empty`, timeoutMs: 1000, everyMs: 20 });
  try {
    await rmdir(dir);
    out.push({ kind: 'cgroup', name: dir });
  } catch (e) {
    out.push({ kind: 'cgroup', name: dir, error: (e as Error).message });
  }
}
