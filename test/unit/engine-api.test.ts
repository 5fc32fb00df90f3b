// The leak check reads docker's listings on the engine's socket only where the CLI would talk to
// that same socket; its listings equal the CLI's (compared on a live engine where one answers).
import { describe, it, expect } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { engineSocket, enginePing, engineGetHead } from '../../src/docker/engine-api.js';
import { createServer } from 'node:http';
import { snapshot } from '../../src/leaks/snapshot.js';
import { run } from '../../src/core/exec.js';
import { runId } from '../../src/core/names.js';

const live = !!engineSocket() && await enginePing(engineSocket()!);

describe('the engine socket the CLI would use', () => {
  it('is DOCKER_HOST when that is a unix socket, none for another transport or context', async () => {
    expect(engineSocket({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toBe('/run/user/1000/docker.sock');
    expect(engineSocket({ DOCKER_HOST: 'tcp://10.0.0.1:2376' })).toBeNull();
    expect(engineSocket({ DOCKER_CONTEXT: 'desktop-linux' })).toBeNull();
    const conf = await mkdtemp(path.join(tmpdir(), 'test-docker-config-'));
    try {
      await writeFile(path.join(conf, 'config.json'), JSON.stringify({ currentContext: 'remote' }));
      expect(engineSocket({ DOCKER_CONFIG: conf })).toBeNull();
      await writeFile(path.join(conf, 'config.json'), JSON.stringify({ currentContext: 'default' }));
      expect(engineSocket({ DOCKER_CONFIG: conf })).toBe(existsSync('/var/run/docker.sock') ? '/var/run/docker.sock' : null);
    } finally {
      await rm(conf, { recursive: true, force: true });
    }
  });

  it('reads the head of an answer that never ends, and nothing more', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'test-engine-sock-'));
    const sock = path.join(dir, 'api.sock');
    let written = 0;
    const server = createServer((req, res) => {
      if (req.url!.includes('missing')) { res.writeHead(404); res.end('no such file'); return; }
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const more = () => { while (!res.destroyed && res.write(chunk)) written += chunk.length; };
      res.on('drain', more);
      more();
    });
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      const head = await engineGetHead(sock, '/containers/x/archive?path=/big', 1 << 20);
      expect(head!.length).toBe(1 << 20);
      expect(await engineGetHead(sock, '/containers/x/archive?path=/missing', 1 << 20)).toBeNull();
      await new Promise((r) => setTimeout(r, 200));
      // The server stopped being read: what it wrote is the head plus the socket's buffers, not gigabytes.
      expect(written).toBeLessThan(64 << 20);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers nothing on a socket nobody listens on', async () => {
    expect(await enginePing('/nonexistent/docker.sock', 1000)).toBe(false);
  });

  it.skipIf(!live)('gives the leak check the listings the CLI gives', { timeout: 60_000 }, async () => {
    // A container of this test's (a run's label, a compose project's label), so every field is there to compare.
    // Labelled as this run's: a leak check of another run beside it knows it is not its own.
    const id = runId();
    const name = `test-engine-api-${process.pid}`;
    await run('docker', ['run', '-d', '--name', name, '--label', `isolab.run=${id}`, '--label', 'com.docker.compose.project=p',
      'isolab/busybox:latest', 'sleep', '60'], { timeoutMs: 30_000 });
    try {
      const flat = (x: Awaited<ReturnType<typeof snapshot>>) => [...x.containers.map((c) => `c ${c}`), ...x.networks.map((n) => `n ${n}`),
        ...x.images.map((i) => `i ${i}`), ...Object.entries(x.owned ?? {}).map(([k, v]) => `o ${k} ${v}`)];
      const viaApi = flat(await snapshot());
      process.env.ISOLAB_ENGINE_API = '0';
      const viaCli = flat(await snapshot());
      delete process.env.ISOLAB_ENGINE_API;
      const again = flat(await snapshot());
      // Other test files build and remove beside this one: what was there at both of the socket's readings
      // was there at the CLI's, between them.
      const stable = viaApi.filter((x) => again.includes(x));
      expect(stable.filter((x) => !viaCli.includes(x))).toEqual([]);
      expect(stable).toContain(`c ${name} (isolab-${id})`);
      expect(stable.filter((x) => x.startsWith('o ') && x.endsWith(` ${id}`)).length).toBeGreaterThanOrEqual(1);
    } finally {
      await run('docker', ['rm', '-f', name], { check: false, timeoutMs: 30_000 });
    }
  });
});
