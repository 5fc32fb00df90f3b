// The host facts for this process: probed once by the run (vitest.config.ts puts them in
// the host setting for the workers), or probed here when a test file runs on its own.
import { probeHost, type HostInfo } from '../host/probe.js';
import { setting } from '../core/settings.js';

let cached: Promise<HostInfo> | undefined;

export function currentHost(): Promise<HostInfo> {
  if (!cached) {
    const fromEnv = setting('host');
    cached = fromEnv ? Promise.resolve(JSON.parse(fromEnv) as HostInfo) : probeHost();
  }
  return cached;
}
