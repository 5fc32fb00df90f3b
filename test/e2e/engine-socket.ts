// A unix socket of a test's own that forwards to the engine's: pointed at it (DOCKER_HOST), a run
// meets an engine that stops answering when the test says — while the real engine, and every
// other user of it, goes on.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Forwards to the engine's socket until kill(): then no engine answers on it. */
export async function engineSocket(target = '/var/run/docker.sock') {
  const dir = await mkdtemp(path.join(tmpdir(), 'engine-socket-'));
  const sock = path.join(dir, 'docker.sock');
  const open = new Set<net.Socket>();
  let stepSeen!: () => void;
  const stepRunning = new Promise<void>((r) => (stepSeen = r));
  let createSeen!: () => void;
  const creating = new Promise<void>((r) => (createSeen = r));
  // Half-open both ways: `docker run` closes its write side and then reads the container's output.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const engine = net.connect({ path: target, allowHalfOpen: true });
    open.add(client).add(engine);
    client.on('data', (chunk) => {
      if (/^POST \/v[\d.]+\/containers\/create/m.test(chunk.toString('latin1', 0, 300))) createSeen();
      engine.write(chunk);
    });
    client.on('end', () => engine.end());
    // The legacy builder's word for a RUN step under way (its container exists until the step ends).
    let said = '';
    engine.on('data', (chunk) => {
      said = (said + chunk.toString('latin1')).slice(-4000);
      if (/RUN sleep 20[\s\S]*Running in [0-9a-f]{12}/.test(said)) stepSeen();
    });
    engine.pipe(client);
    for (const s of [client, engine]) {
      s.on('error', () => undefined);
      s.on('close', () => (open.delete(s), client.destroy(), engine.destroy()));
    }
  });
  await new Promise<void>((r) => server.listen(sock, r));
  return {
    host: `unix://${sock}`,
    /** a RUN step of `sleep 20` under way (the legacy builder's "Running in <id>") */
    stepRunning,
    /** the first container being created */
    creating,
    async kill() {
      server.close();
      for (const s of open) s.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

