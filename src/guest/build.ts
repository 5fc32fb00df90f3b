// `isolab guest build|list|rm`: guest disks built from Debian's packages by the recipe's plan,
// executed with zx. Cached under /var/cache/isolab/guests/<name> with a manifest of the exact
// versions; rebuilt only when the recipe (packages, init, images) changes.
import { readFile, writeFile, rm, rename, mkdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { openSession, closeSession } from '../run/session.js';
import { run, which } from '../core/exec.js';
import { GUESTS, CACHE_DIR, PROVISION_JOB, plan, recipeHash, type GuestDef, type PlanInput } from './recipe.js';
import { runJob, type GuestFiles, type Accel } from './machine.js';
import { runStep } from '../core/steps.js';
import { BASE_TAGS } from '../docker/base-images.js';
import { flag } from '../core/settings.js';
import { debianMirror } from '../provision/mirror.js';

export interface Manifest {
  name: string;
  suite: string;
  recipe: string;
  builtAt: string;
  buildSeconds: number;
  firstBootSeconds: number | null;
  versions: Record<string, string>;
  packages: Record<string, string>;
  images: string[];
}

export function guestDef(name: string): GuestDef {
  const g = GUESTS[name];
  if (!g) throw new Error(`unknown guest "${name}"; guests are: ${Object.keys(GUESTS).join(', ')}`);
  return g;
}

export const guestDir = (name: string) => path.join(CACHE_DIR, name);
export const guestFiles = (name: string): GuestFiles => {
  const dir = guestDir(name);
  return { dir, disk: path.join(dir, 'disk.img'), kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img') };
};

export async function readManifest(name: string): Promise<Manifest | null> {
  try {
    const m = JSON.parse(await readFile(path.join(guestDir(name), 'manifest.json'), 'utf8')) as Manifest;
    await Promise.all(Object.values(guestFiles(name)).filter((f) => f !== guestDir(name)).map((f) => stat(f)));
    return m;
  } catch {
    return null;
  }
}

const IMAGES = [
  { ref: BASE_TAGS.busybox, tags: ['alpine:latest', 'busybox:latest'] },
  { ref: BASE_TAGS.go, tags: ['golang:alpine'] },
];

async function imageIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const im of IMAGES) {
    const r = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', im.ref], { check: false, timeoutMs: 15_000 });
    if (r.exitCode !== 0) throw new Error(`the host image ${im.ref} is missing (the guest carries it offline): run `
      + `\`sudo npx isolab provision\``);
    ids.push(r.stdout.trim());
  }
  return ids;
}

export async function preflight(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('building and booting guests needs root (debootstrap, mkfs): run with sudo');
  const missing = [];
  for (const t of ['debootstrap', 'mkfs.ext4', 'debugfs', 'qemu-system-x86_64', 'docker']) if (!(await which(t))) missing.push(t);
  if (missing.length) throw new Error(`${missing.join(', ')} not installed: run \`sudo npx isolab provision\` (it `
    + `installs debootstrap, qemu and e2fsprogs)`);
}

const log = (s: string) => process.stderr.write(`isolab guest: ${s}\n`);

export async function buildGuest(name: string, o: { force?: boolean; accel: Accel }): Promise<{ manifest: Manifest; cached: boolean }> {
  const guest = guestDef(name);
  await preflight();
  const ids = await imageIds();
  const hash = recipeHash({ guest, images: IMAGES, imageIds: ids });
  const have = await readManifest(name);
  if (have && have.recipe === hash && !o.force) return { manifest: have, cached: true };
  await mkdir(CACHE_DIR, { recursive: true });
  const diskMb = 6144;
  const free = await statfs(CACHE_DIR);
  if (free.bavail * free.bsize < (diskMb + 3000) * 1024 * 1024) {
    throw new Error(`not enough space in ${CACHE_DIR}: ${Math.round((free.bavail * free.bsize) / 1e9)} GB free, a `
      + `guest needs about ${Math.round((diskMb + 3000) / 1000)} GB while it is built`);
  }
  const work = path.join(CACHE_DIR, `.build-${name}-${process.pid}`);
  // It changes no host state beyond its cache dir: a run session without the leak check.
  const session = await openSession(`guest build ${name}`, { snapshot: false });
  const ledger = session.ledger;
  // Retried: after SIGINT the main flow may still be writing into it.
  ledger.add('tempdir', work, () => rm(work, { recursive: true, force: true, maxRetries: 5 }));
  try {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const input: PlanInput = { guest, mirror: await debianMirror(), images: IMAGES, imageIds: ids, work, diskMb };
    const t0 = Date.now();
    for (const step of plan(input)) {
      const s0 = Date.now();
      log(`${step.title} …`);
      const r = await runStep(step);
      if (r.exitCode !== 0) throw new Error(`${step.title} failed (exit ${r.exitCode}): ${r.output.split('\n').slice(-8).join('\n')}`);
      log(`  ${((Date.now() - s0) / 1000).toFixed(1)} s`);
    }
    // The first boot loads the images into the guest's engine and records its versions.
    log('first boot: load the images, record versions …');
    const jobDir = path.join(work, 'job');
    await mkdir(jobDir, { recursive: true });
    await writeFile(path.join(jobDir, 'job.sh'), PROVISION_JOB);
    const files: GuestFiles = { dir: work, disk: path.join(work, 'disk.img'), kernel: path.join(work, 'vmlinuz'),
      initrd: path.join(work, 'initrd.img') };
    const r = await runJob(ledger, files, jobDir, path.join(work, 'first-boot'), {
      accel: o.accel, writable: true, bootTimeoutMs: 240_000, timeoutMs: 1200_000, extraMb: 64,
      onLine: (l) => flag('guestVerbose') && process.stderr.write(`[${name}] ${l}\n`),
    });
    if (r.exitCode !== 0) throw new Error(`the first boot failed `
      + `(exit ${r.exitCode}):\n${r.console.trim().split('\n').slice(-20).join('\n')}`);
    const read = (f: string) => readFile(path.join(r.out, f), 'utf8').catch(() => '');
    const pk = Object.fromEntries((await read('packages.txt')).trim().split('\n').map((l) => l.split(' ') as [string, string]));
    const [kernel, engine, compose, runc, node, podman, podmanCompose, crun] = (await read('versions.txt')).trim().split('\n');
    const keep = ['docker.io', 'docker-cli', 'containerd', 'runc', 'docker-compose', 'docker-buildx', 'nodejs',
      'iproute2', 'iptables', 'busybox-static', 'hyperfine', 'util-linux',
      'podman', 'podman-compose', 'crun', 'netavark'];
    const manifest: Manifest = {
      name, suite: guest.suite, recipe: hash, builtAt: new Date().toISOString(), buildSeconds: Math.round((Date.now() - t0) / 1000),
      firstBootSeconds: r.bootMs === null ? null : Math.round(r.bootMs / 100) / 10,
      versions: { kernel: kernel ?? '', engine: engine ?? '', compose: compose ?? '', runc: runc ?? '', node: node ?? '',
        podman: podman ?? '', podmanCompose: podmanCompose ?? '', crun: crun ?? '' },
      packages: Object.fromEntries(keep.filter((k) => pk[k]).map((k) => [k, pk[k]!])),
      images: (await read('images.txt')).trim().split('\n').filter(Boolean),
    };
    await writeFile(path.join(work, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    await rm(jobDir, { recursive: true, force: true });
    await rm(path.join(work, 'first-boot'), { recursive: true, force: true });
    await rm(guestDir(name), { recursive: true, force: true });
    await rename(work, guestDir(name));
    return { manifest, cached: false };
  } finally {
    await closeSession(session);
  }
}

export async function listGuests(): Promise<Array<{ name: string; manifest: Manifest | null; sizeMb: number | null }>> {
  const out = [];
  for (const name of Object.keys(GUESTS)) {
    const m = await readManifest(name);
    const size = m ? await run('du', ['-sm', guestDir(name)], { check: false, timeoutMs: 30_000 }).then((r) =>
      Number(r.stdout.split(/\s/)[0])) : null;
    out.push({ name, manifest: m, sizeMb: size });
  }
  return out;
}

export async function removeGuest(name: string): Promise<boolean> {
  guestDef(name);
  const had = !!(await stat(guestDir(name)).catch(() => null));
  await rm(guestDir(name), { recursive: true, force: true });
  return had;
}
