// Provisioning right after the engine was killed brings it back on the first try. Tried on an
// engine of this test's own (its data, exec root, socket and pid file in a temp dir, its own
// network namespace; no bridge, no iptables), never the host's: killed with SIGKILL and started again at once, five times —
// while the killed dockerd and its containerd are still zombies their pid files name "live" pids.
import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { run, which } from '../../src/core/exec.js';
import { startEngine, clearStalePidfile } from '../../src/provision/engine.js';
import { requireRoot } from '../controls/gate.js';

const gone = async (pid: number) => !(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null));

describe.skipIf(!requireRoot() || !(await which('dockerd')))('an engine started again right after SIGKILL', () => {
  it('comes back on the first try, 5 of 5; a pid file naming another program is no obstacle', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'test-engine-restart-'));
    const sock = `unix://${dir}/docker.sock`;
    // In a network namespace of its own (unshare execs dockerd: the pid is dockerd's): a dockerd
    // with `--bridge none` deletes the docker0 it finds, and the host's must stay.
    const argv = ['unshare', '--net', '--', 'dockerd', '--data-root', `${dir}/data`, '--exec-root', `${dir}/exec`,
      '--pidfile', `${dir}/docker.pid`, '-H', sock, '--bridge', 'none', '--iptables=false', '--ip6tables=false', '--ip-masq=false'];
    const engine = { argv, log: `${dir}/dockerd.log`, readyWithinMs: 30_000, host: sock };
    const said: string[] = [];
    let last: number | null = null;
    try {
      for (let i = 0; i < 5; i++) {
        const { pid } = await startEngine(engine, (s) => said.push(s));
        last = pid;
        expect((await readFile(`/proc/${pid}/stat`, 'utf8')).split(' ')[1]).toBe('(dockerd)');
        const info = await run('docker', ['info', '--format', '{{.DockerRootDir}}'], { env: { DOCKER_HOST: sock }, timeoutMs: 15_000 });
        expect(info.stdout.trim()).toBe(`${dir}/data`);
        process.kill(pid, 'SIGKILL'); // started again at once: no waiting for the kernel to reap it
      }
      // Each start after a kill found the killed engine's pid files and cleared them.
      expect(said.filter((s) => /stale .*docker\.pid/.test(s))).toHaveLength(4);
      expect(said.filter((s) => /stale .*containerd\.pid/.test(s))).toHaveLength(4);
      // The negative control: a pid file naming a live process that is not dockerd is stale too;
      // one naming a live dockerd is not removed, and the start says why instead of hanging.
      const sleeper = spawn('sleep', ['30']);
      await writeFile(`${dir}/other.pid`, `${sleeper.pid}\n`);
      expect(await clearStalePidfile(`${dir}/other.pid`, 'dockerd')).toMatch(/now sleep/);
      sleeper.kill('SIGKILL');
      const { pid } = await startEngine(engine);
      last = pid;
      await expect(clearStalePidfile(`${dir}/docker.pid`, 'dockerd', 300)).rejects.toThrow(/is running but the engine does not answer/);
    } finally {
      if (last) {
        try { process.kill(last, 'SIGTERM'); } catch { /* gone */ }
        for (let i = 0; i < 100 && !(await gone(last)); i++) await sleep(100);
      }
      // dockerd bind-mounts its data root: undone before the folder goes.
      const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')[4] ?? '')
        .filter((m) => m.startsWith(dir)).sort().reverse();
      for (const m of mounts) await run('umount', ['-l', m], { check: false, timeoutMs: 15_000 });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
