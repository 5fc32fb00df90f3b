// Docker's Engine API read in-process over its unix socket, for what is read often and only read:
// the leak check's listings (containers, networks, images, mounts), twice a run and twice a
// grade. A docker CLI call costs 140–220 ms of process start here; a request on the socket, a few.
// Used only where the CLI would talk to the same socket (no DOCKER_HOST elsewhere, no other
// context): anything else goes through the CLI as before.
import { request } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { setting } from '../core/settings.js';

/** The socket the docker CLI would use, when it is a local one this process can read; else null. */
export function engineSocket(env: NodeJS.ProcessEnv = process.env): string | null {
  if (setting('engineApi') === '0') return null;
  const host = env.DOCKER_HOST;
  if (host) return host.startsWith('unix://') ? host.slice('unix://'.length) : null;
  if (env.DOCKER_CONTEXT && env.DOCKER_CONTEXT !== 'default') return null;
  try {
    const config = JSON.parse(readFileSync(path.join(env.DOCKER_CONFIG ?? path.join(homedir(), '.docker'), 'config.json'), 'utf8')) as
      { currentContext?: string };
    if (config.currentContext && config.currentContext !== 'default') return null;
  } catch { /* no config: the default context */ }
  return existsSync('/var/run/docker.sock') ? '/var/run/docker.sock' : null;
}

export class EngineApiError extends Error {}

/** GET a path of the Engine API as JSON, bounded. */
export function engineGet<T>(socketPath: string, apiPath: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: apiPath, method: 'GET', headers: { Host: 'docker' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 500) >= 300) return reject(new EngineApiError(`GET ${apiPath}: ${res.statusCode} ${body.trim().slice(0, 200)}`));
        try {
          resolve(JSON.parse(body) as T);
        } catch (e) {
          reject(new EngineApiError(`GET ${apiPath}: not JSON (${(e as Error).message})`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new EngineApiError(`GET ${apiPath}: no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The first `maxBytes` of a GET's body, the rest never read (the request is ended there): null
 * for 404. For a file copied out of a container (`/containers/<id>/archive?path=…`, a tar stream).
 */
export function engineGetHead(socketPath: string, apiPath: string, maxBytes: number, timeoutMs = 30_000): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const req = request({ socketPath, path: apiPath, method: 'GET', headers: { Host: 'docker' }, timeout: timeoutMs }, (res) => {
      if (res.statusCode === 404) { res.resume(); return resolve(null); }
      if ((res.statusCode ?? 500) >= 300) { res.resume(); return reject(new EngineApiError(`GET ${apiPath}: ${res.statusCode}`)); }
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        got += c.length;
        if (got >= maxBytes) {
          req.destroy();
          resolve(Buffer.concat(chunks).subarray(0, maxBytes));
        }
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', () => resolve(Buffer.concat(chunks)));
    });
    req.on('timeout', () => req.destroy(new EngineApiError(`GET ${apiPath}: no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (e) => (got >= maxBytes ? undefined : reject(e)));
    req.end();
  });
}

/** Does the engine answer on this socket? (`/_ping` answers "OK", not JSON.) */
export function enginePing(socketPath: string, timeoutMs = 5_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', headers: { Host: 'docker' }, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.on('error', () => resolve(false));
    req.end();
  });
}
