// The base images the suites build FROM. Offline, provisioning imports busybox-static as
// isolab/busybox (and tags it alpine:latest) and a Debian golang-go rootfs as isolab/golang
// (tagged golang:alpine); with a registry the real alpine and golang:alpine are used.
import { run } from '../core/exec.js';

export const BASE_TAGS = { busybox: 'isolab/busybox:latest', go: 'isolab/golang:latest' } as const;

async function present(ref: string): Promise<boolean> {
  const r = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { check: false, timeoutMs: 10_000 });
  return r.exitCode === 0;
}

export async function dockerImages(): Promise<{ busybox: string | null; go: string | null }> {
  const [b, g] = await Promise.all([present(BASE_TAGS.busybox), present(BASE_TAGS.go)]);
  return { busybox: b ? BASE_TAGS.busybox : null, go: g ? BASE_TAGS.go : null };
}
