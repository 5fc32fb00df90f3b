// `isolab provision`, executed with zx: read the host's facts, run the plan's phases
// (src/provision/plan.ts), re-reading the facts after each phase that changes them. Every
// command is bounded; scratch folders are removed also on failure and SIGINT.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, which } from '../core/exec.js';
import { openSession, closeSession } from '../run/session.js';
import { runId } from '../core/names.js';
import { debianMirror } from './mirror.js';
import { startEngine } from './engine.js';
import { runStep, type Step } from '../core/steps.js';
import { SUITE_TOOLS, HOST_TOOLS, HOST_ENGINE, FOR_GO_IMAGE, FOR_VM } from './packages.js';
import { packagesPlan, enginePlan, imagesPlan, vmPlan, settlePlan, VM_DIR, EGRESS_DIR, type HostFacts, type ProvisionOptions } from './plan.js';

const say = (s: string) => process.stdout.write(`provision: ${s}\n`);
const q = { check: false, timeoutMs: 15_000 } as const;
const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);

const engineUp = async () => (await which('docker')) && (await run('docker', ['info'], q)).exitCode === 0;

export async function readFacts(): Promise<HostFacts> {
  const all = [...SUITE_TOOLS, ...HOST_TOOLS, HOST_ENGINE.engine, HOST_ENGINE.compose, ...FOR_GO_IMAGE, ...FOR_VM];
  const dpkg = await run('dpkg-query', ['-W', '-f', '${Package} ${Status}\\n', ...all], q);
  const installed = lines(dpkg.stdout).filter((l) => l.endsWith('install ok installed')).map((l) => l.split(' ')[0]!);
  const up = !!(await engineUp());
  const composeUp = up && ((await run('docker', ['compose', 'version'], q)).exitCode === 0
    || (!!(await which('docker-compose')) && (await run('docker-compose', ['version'], q)).exitCode === 0));
  const bbPath = await which('busybox');
  const busybox = bbPath ? { path: bbPath, hash: createHash('sha256').update(await readFile(bbPath)).digest('hex').slice(0, 12) } : null;
  const images = up ? lines((await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], q)).stdout) : [];
  const goVersion = /Candidate:\s*(\S+)/.exec((await run('apt-cache', ['policy', 'golang-go'], q)).stdout)?.[1] ?? null;
  const vmReady = (await Promise.all(['vmlinuz', 'initrd.gz'].map((f) =>
    stat(path.join(VM_DIR, f)).then((s) => s.size > 0, () => false)))).every(Boolean);
  let kernelPackage: string | null = null;
  if (!vmReady) {
    for (const meta of ['linux-image-cloud-amd64', 'linux-image-virtual', 'linux-image-generic']) {
      kernelPackage = /Depends: (linux-image-[0-9]\S*)/.exec((await run('apt-cache', ['depends', meta], q)).stdout)?.[1] ?? null;
      if (kernelPackage) break;
    }
  }
  return {
    installed, dockerd: !!(await which('dockerd')), engineUp: up, composeUp,
    // A registry counts as reachable only if its name resolves: nothing is sent.
    registry: (await run('getent', ['hosts', 'registry-1.docker.io'], { check: false, timeoutMs: 10_000 })).exitCode === 0,
    busybox, images, goVersion, mirror: await debianMirror().catch(() => null),
    vm: { ready: vmReady, foreign: await stat(path.join(VM_DIR, 'busybox-arm64')).then((s) => s.size > 0, () => false),
      kernelPackage: vmReady ? (await readFile(path.join(VM_DIR, 'kernel-package'), 'utf8').catch(() => '')).trim()
      || null : kernelPackage },
  };
}

/** The egress proxy's content tag: its source and Dockerfile. */
export const egressHash = async () => {
  const h = createHash('sha256');
  for (const f of ['main.go', 'Dockerfile']) h.update(await readFile(path.join(EGRESS_DIR, f)));
  return h.digest('hex').slice(0, 12);
};

export const goHash = (version: string) => createHash('sha256').update(`bookworm-minbase-${version}`).digest('hex').slice(0, 12);

async function execute(step: Step): Promise<void> {
  const t0 = Date.now();
  say(`${step.title} …`);
  if (step.background) {
    const { pid, ms } = await startEngine({ argv: step.argv!, ...step.background }, say);
    say(`  engine up after ${(ms / 1000).toFixed(1)} s (pid ${pid})`);
    return;
  }
  const r = await runStep(step, { ...process.env, DEBIAN_FRONTEND: 'noninteractive' });
  if (r.exitCode !== 0) {
    const why = `${step.title} failed (${r.exitCode === null ? `no exit `
      + `within ${(step.timeoutMs ?? 120_000) / 1000} s` : `exit ${r.exitCode}`}): ${r.output.split('\n').slice(-6).join('\n')}`;
    if (!step.optional) throw new Error(why);
    say(`note: ${why}`);
  }
  if (Date.now() - t0 > 5000) say(`  ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

export async function runProvision(o: { go: boolean; vm: boolean }): Promise<number> {
  if (!(await which('apt-get'))) {
    process.stderr.write('provision: error: apt-get not found: isolab provisions Debian or Ubuntu hosts only\n');
    return 1;
  }
  // Provisioning changes the host on purpose (packages, an engine, images): no leak check, but
  // a run (what it builds and starts is its own to a run beside it) with its ledger for scratch.
  const session = await openSession('provision', { snapshot: false });
  const ledger = session.ledger;
  try {
    const tmp = await mkdtemp(path.join(tmpdir(), 'isolab-provision-'));
    ledger.add('tempdir', tmp, () => rm(tmp, { recursive: true, force: true, maxRetries: 5 }));
    const opts: ProvisionOptions = { ...o, tmp };
    let f = await readFacts();
    const pk = packagesPlan(f, opts);
    if (!pk.length) say('packages: all present');
    for (const s of pk) await execute(s);
    if (pk.length) f = await readFacts();
    const en = enginePlan(f);
    if (!en.length) say(`docker engine: already running `
      + `(${(await run('docker', ['version', '-f', '{{.Server.Version}}'], q)).stdout.trim()})`);
    for (const s of en) await execute(s);
    if (en.length) f = await readFacts();
    for (const s of imagesPlan(f, opts, f.goVersion ? goHash(f.goVersion) : null, await egressHash())) await execute(s);
    const vm = vmPlan(f, opts);
    if (o.vm && !vm.length) say(`VM guest present in ${VM_DIR} (${f.vm.kernelPackage ?? '?'})`);
    for (const s of vm) await execute(s);
    for (const s of settlePlan(runId())) await execute(s);
    say('done');
    return 0;
  } catch (e) {
    process.stderr.write(`provision: error: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await closeSession(session);
  }
}
