// Podman's Docker-compatible API, served only while a check needs it: `podman system service`
// on a unix socket in the check's scratch dir, started here and ended by its pid (the ledger).
import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Ledger } from '../core/ledger.js';
import { run } from '../core/exec.js';

export interface PodmanService {
  pid: number;
  /** unix:///… for DOCKER_HOST */
  host: string;
  /** how long the socket took to answer */
  readyMs: number;
  /** what the Docker CLI says the server is ("Podman Engine 5.4.2"), or why it could not say */
  server: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPodmanService(ledger: Ledger, dir: string, readyWithinMs = 30_000): Promise<PodmanService> {
  const sock = path.join(dir, 'podman.sock');
  const host = `unix://${sock}`;
  const t0 = Date.now();
  // --time=0: no idle exit; it lives exactly as long as the check (the ledger ends it).
  const child = spawn('podman', ['system', 'service', '--time=0', host], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  const pid = child.pid;
  if (!pid) throw new Error('podman system service did not start (podman not runnable)');
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  ledger.add('process', `podman system service (pid ${pid})`, async () => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    if (await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)])) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await Promise.race([exited, sleep(5000)]);
  });
  for (;;) {
    if (await access(sock).then(() => true, () => false)) {
      const v = await run('docker', ['-H', host, 'version', '--format', '{{range .Server.Components}}{{.Name}} {{.Version}};{{end}}'],
        { check: false, timeoutMs: 15_000 });
      if (v.exitCode === 0) {
        const server = v.stdout.trim().split(';').filter(Boolean)[0] ?? 'unnamed server';
        return { pid, host, readyMs: Date.now() - t0, server };
      }
    }
    if (child.exitCode !== null) throw new Error(`podman system service exited ${child.exitCode} before its socket answered`);
    if (Date.now() - t0 > readyWithinMs) throw new Error(`podman system service: ${sock} did not answer within ${readyWithinMs / 1000} s`);
    await sleep(200);
  }
}
