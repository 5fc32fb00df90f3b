// Podman's Docker-compatible API, served only while a check needs it: `podman system service`
// on a unix socket in the check's scratch dir, started here and ended by its pid (the ledger).
import { spawn } from 'node:child_process';
import { access, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Ledger } from '../core/ledger.js';
import { run } from '../core/exec.js';
import { parseMountinfo } from '../core/fs.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '../core/waits.js';

export interface PodmanService {
  pid: number;
  /** unix:///… for DOCKER_HOST */
  host: string;
  /** how long the socket took to answer */
  readyMs: number;
  /** what the Docker CLI says the server is ("Podman Engine 5.4.2"), or why it could not say */
  server: string;
  /** End it (once; the ledger calls it too): how it ended, and what of its storage it left mounted and was undone. */
  stop(): Promise<{ ended: string; ms: number; unmounted: string[] }>;
}

const mountPoints = async () => new Set(parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8')).map((m) => m.mountPoint));

/** A podman or conmon process on the host now. */
async function podmanRunning(): Promise<boolean> {
  for (const p of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(p)) continue;
    const comm = (await readFile(`/proc/${p}/comm`, 'utf8').catch(() => '')).trim();
    if (comm === 'podman' || comm === 'conmon') return true;
  }
  return false;
}

/** The storage driver's home (<graphroot>/<driver>): the overlay driver mounts it on itself while podman runs. */
async function storageHome(): Promise<string | null> {
  const r = await run('podman', ['info', '--format', '{{.Store.GraphRoot}} {{.Store.GraphDriverName}}'],
    { check: false, timeoutMs: 30_000 });
  const [root, driver] = r.stdout.trim().split(' ');
  return r.exitCode === 0 && root && driver ? path.join(root, driver) : null;
}

export async function startPodmanService(ledger: Ledger, dir: string, readyWithinMs = 30_000): Promise<PodmanService> {
  const sock = path.join(dir, 'podman.sock');
  const host = `unix://${sock}`;
  const home = await storageHome();
  const before = await mountPoints();
  const t0 = Date.now();
  // --time=0: no idle exit; it lives exactly as long as the check.
  const child = spawn('podman', ['system', 'service', '--time=0', host], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  const pid = child.pid;
  if (!pid) throw new Error('podman system service did not start (podman not runnable)');
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ? `by ${signal}` : `exit ${code}`)));
  let stopping: ReturnType<PodmanService['stop']> | null = null;
  const stop = () => (stopping ??= (async () => {
    const s0 = Date.now();
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    };
    signal('SIGTERM');
    // It shuts its runtime down on SIGTERM (unmounting its storage): slow in an emulated guest.
    let ended = await Promise.race([exited, sleep(30_000).then(() => null)]);
    if (ended === null) {
      signal('SIGKILL');
      ended = `${await Promise.race([exited, sleep(5000).then(() => 'still running')])} after 30 s`;
    }
    // Its storage home, mounted while podman runs: the last podman process to shut down with no
    // layer mounted unmounts it — the service, or a helper still running (conmon's cleanup of a
    // container). Waited for (10 s); still there, it is what this check's service left: undone,
    // not lazily (a mount another podman still uses below it stays: EBUSY).
    const unmounted: string[] = [];
    const left = async () => !!home && !before.has(home) && (await mountPoints()).has(home);
    await until(async () => !(await left()), { what: "podman's storage home unmounted", timeoutMs: 10_000, everyMs: 500 });
    // Never from under another podman: only when none runs (another check's would be using it).
    if (home && (await left()) && !(await podmanRunning())
      && (await run('umount', [home], { check: false, timeoutMs: 15_000 })).exitCode === 0) {
      unmounted.push(home);
    }
    return { ended, ms: Date.now() - s0, unmounted };
  })());
  ledger.add('process', `podman system service (pid ${pid})`, async () => void (await stop()));
  const server = await until(async () => {
    if (child.exitCode !== null) throw new Error(`podman system service exited ${child.exitCode} before its socket answered`);
    if (!(await access(sock).then(() => true, () => false))) return null;
    const v = await run('docker', ['-H', host, 'version', '--format', '{{range .Server.Components}}{{.Name}} {{.Version}};{{end}}'],
      { check: false, timeoutMs: 15_000 });
    return v.exitCode === 0 && (v.stdout.trim().split(';').filter(Boolean)[0] ?? 'unnamed server');
  }, { what: `podman system service's socket ${sock} to answer`, timeoutMs: readyWithinMs, everyMs: 200, orThrow: true });
  return { pid, host, readyMs: Date.now() - t0, server: server!, stop };
}
