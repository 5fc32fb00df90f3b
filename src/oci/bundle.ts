// An OCI bundle for `runc run`: the busybox base image's filesystem (from docker save) and a
// config from `runc spec`, made non-interactive, with a cgroup path carrying the run prefix.
import { readFile, writeFile, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/exec.js';
import { resourceName } from '../core/names.js';
import { saveImage } from '../docker/save.js';

export interface Bundle {
  dir: string;
  rootfs: string;
}

/**
 * Unpack an image's filesystem into `rootfs` from `docker save`'s layers, applied in order with
 * their whiteouts. Not `docker export`: on Docker 26.1.5 (trixie) an export leaves the container's
 * overlay2 `merged` mount behind after `docker rm` (moby/moby#48516) — the trixie guest's leak
 * check found it after bocker; save reads layer diffs and mounts nothing.
 */
export async function unpackImage(image: string, rootfs: string): Promise<void> {
  const work = path.join(path.dirname(rootfs), 'image');
  await mkdir(work, { recursive: true });
  await mkdir(rootfs, { recursive: true });
  try {
    const saved = await saveImage(image, work);
    for (const layer of saved.layers) await applyLayer(layer, rootfs);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** One layer over what is below it: opaque dirs emptied, `.wh.<name>` removed, then its files. */
export async function applyLayer(layer: string, rootfs: string): Promise<void> {
  const entries = (await run('tar', ['tf', layer], { timeoutMs: 60_000 })).stdout.split('\n').filter(Boolean);
  for (const e of entries) {
    const rel = e.replace(/^\.?\//, '');
    const base = path.posix.basename(rel);
    if (!base.startsWith('.wh.')) continue;
    const dir = path.join(rootfs, path.posix.dirname(rel));
    if (dir !== rootfs && !dir.startsWith(`${rootfs}/`))
      throw new Error(`layer ${path.basename(layer)}: whiteout ${e} points outside the rootfs`);
    if (base === '.wh..wh..opq') {
      for (const child of await readdir(dir).catch(() => [])) await rm(path.join(dir, child), { recursive: true, force: true });
    } else await rm(path.join(dir, base.slice(4)), { recursive: true, force: true });
  }
  await run('tar', ['xf', layer, '-C', rootfs, '--exclude=.wh.*'], { timeoutMs: 60_000 });
}

export async function ociBundle(dir: string, image: string, args: string[]): Promise<Bundle> {
  const rootfs = path.join(dir, 'rootfs');
  await unpackImage(image, rootfs);
  await run('runc', ['spec', '--bundle', dir], { timeoutMs: 10_000 });
  const cfgPath = path.join(dir, 'config.json');
  const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
  cfg.process.terminal = false;
  cfg.process.args = args;
  cfg.root.readonly = true;
  cfg.linux.cgroupsPath = `/${resourceName('runc')}`;
  await writeFile(cfgPath, JSON.stringify(cfg, null, 2));
  return { dir, rootfs };
}

/** `runc run` one container to completion; runc deletes it when the process exits. */
export async function runcRun(b: Bundle, id: string, timeoutMs = 10_000) {
  return run('runc', ['run', '--bundle', b.dir, id], { timeoutMs, check: false });
}
