// An OCI bundle for `runc run`: the busybox base image's filesystem (docker export) and a
// config from `runc spec`, made non-interactive, with a cgroup path carrying the run prefix.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/exec.js';
import type { Ledger } from '../core/ledger.js';
import { resourceName } from '../core/names.js';
import { docker } from '../docker/engine.js';

export interface Bundle {
  dir: string;
  rootfs: string;
}

/** Unpack an image's filesystem into dir/rootfs (through a created, never started container). */
export async function exportRootfs(ledger: Ledger, image: string, rootfs: string): Promise<void> {
  const name = resourceName('export');
  ledger.add('container', name, () => docker(['rm', '-f', name], { check: false }));
  await docker(['create', '--name', name, image, 'true']);
  await mkdir(rootfs, { recursive: true });
  const tar = path.join(path.dirname(rootfs), 'rootfs.tar');
  await docker(['export', '-o', tar, name], { timeoutMs: 60_000 });
  await run('tar', ['xf', tar, '-C', rootfs], { timeoutMs: 60_000 });
  await docker(['rm', '-f', name], { check: false });
}

export async function ociBundle(ledger: Ledger, dir: string, image: string, args: string[]): Promise<Bundle> {
  const rootfs = path.join(dir, 'rootfs');
  await exportRootfs(ledger, image, rootfs);
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
