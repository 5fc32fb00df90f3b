// The base images the suites build FROM. Offline, provisioning imports busybox-static as
// isolab/busybox (and tags it alpine:latest and busybox:latest) and a Debian golang-go rootfs as isolab/golang
// (tagged golang:alpine); with a registry the real alpine and golang:alpine are used.
import { run } from '../core/exec.js';
import { engineName } from '../core/engine-name.js';

export const BASE_TAGS = { busybox: 'isolab/busybox:latest', go: 'isolab/golang:latest' } as const;

async function present(ref: string): Promise<boolean> {
  const r = await run(engineName(), ['image', 'inspect', '--format', '{{.Id}}', ref], { check: false, timeoutMs: 10_000 });
  return r.exitCode === 0;
}

export async function dockerImages(): Promise<{ busybox: string | null; go: string | null }> {
  const [b, g] = await Promise.all([present(BASE_TAGS.busybox), present(BASE_TAGS.go)]);
  return { busybox: b ? BASE_TAGS.busybox : null, go: g ? BASE_TAGS.go : null };
}

/**
 * The image a check inspects must be there: offline, provisioning tagged it; with a registry,
 * pull it (bounded). Throws with the engine's words when it can be neither found nor pulled.
 */
export async function ensureImage(ref: string, registry: boolean): Promise<void> {
  const seen = await run(engineName(), ['image', 'inspect', '--format', '{{.Id}}', ref], { check: false, timeoutMs: 10_000 });
  if (seen.exitCode === 0) return;
  // Only the engine's own "no such image" says the image is missing; anything else is the engine's.
  if (!/no such image|image not known|not found/i.test(seen.stderr))
    throw new Error(`the ${engineName()} engine did not answer when asked for image ${ref}: ${(seen.stderr || seen.stdout).trim()
      || (seen.timedOut ? 'no answer within 10 s' : `exit ${seen.exitCode}`)}`);
  if (!registry) throw new Error(`image ${ref} is not present and no registry is reachable: run \`sudo npx isolab provision\``);
  const r = await run(engineName(), ['pull', '--quiet', ref], { check: false, timeoutMs: 180_000 });
  if (r.exitCode !== 0) throw new Error(`${engineName()} pull ${ref} failed: ${r.stderr.trim() || r.stdout.trim()}`);
}
