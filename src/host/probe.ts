// The host probe: what this machine can do, read once per run and shared by the gates,
// `isolab doctor` and results.json. Every external call is time-bounded.
import { readFile, access, constants } from 'node:fs/promises';
import os from 'node:os';
import { run, which } from '../core/exec.js';
import { cgroupMode, parseCgroupMounts, parseComposeVersion, parseIproute2Version, parseIptablesVersion, builderKind } from './parsers.js';
import { probeOverlay } from '../overlay/probe.js';
import type { HostInfo, ComposeInfo, CgroupMode, OverlayProbe } from '../types/host.js';
import { dockerImages } from '../docker/base-images.js';
import { engineName } from '../core/engine-name.js';
import { setting } from '../core/settings.js';
import { FOREIGN_BUSYBOX } from '../vm/tiny-guest.js';
import { probeKvmBoot } from '../vm/kvm-probe.js';

export type { HostInfo, ComposeInfo } from '../types/host.js';

const quiet = { check: false, timeoutMs: 10_000 } as const;

async function probeCgroups(): Promise<Pick<HostInfo, 'cgroup' | 'cgroupControllers'>> {
  const mounts = parseCgroupMounts(await readFile('/proc/self/mountinfo', 'utf8'));
  const controllers: HostInfo['cgroupControllers'] = {};
  for (const m of mounts) {
    if (m.version === 2) {
      const list = await readFile(`${m.path}/cgroup.controllers`, 'utf8').catch(() => '');
      for (const c of list.trim().split(/\s+/).filter(Boolean)) controllers[c] ??= { version: 2, path: m.path };
    }
  }
  // A v1 hierarchy owns its controllers even when cgroup2 is mounted beside it (hybrid).
  for (const m of mounts) if (m.version === 1) for (const c of m.controllers) controllers[c] = { version: 1, path: m.path };
  return { cgroup: cgroupMode(mounts), cgroupControllers: controllers };
}

/** podman is daemonless: its version is the client's, its info has its own field names. */
async function probePodmanEngine(): Promise<Pick<HostInfo, 'docker' | 'dockerReason' | 'builder'>> {
  if (!(await which('podman'))) return { docker: null, dockerReason: 'podman not installed (--engine podman)', builder: null };
  const info = await run('podman', ['info', '--format', 'json'], { ...quiet, timeoutMs: 30_000 });
  let d: { host?: { cgroupManager?: string; cgroupVersion?: string; ociRuntime?: { name?: string; version?: string } };
    store?: { graphDriverName?: string }; version?: { Version?: string; APIVersion?: string } };
  try {
    d = JSON.parse(info.stdout);
  } catch {
    return { docker: null, dockerReason: `podman info failed: ${info.stderr.trim().split('\n').pop() ?? ''}`, builder: null };
  }
  const version = d.version?.Version ?? '';
  return {
    docker: {
      name: 'podman', client: version, engine: version, api: d.version?.APIVersion ?? '', storageDriver: d.store?.graphDriverName ?? '',
      cgroupDriver: d.host?.cgroupManager ?? '', cgroupVersion: (d.host?.cgroupVersion ?? '').replace(/^v/, ''),
      // "crun version 1.21\ncommit: …" → "crun 1.21": what converts --cpu-shares under podman.
      runtime: `${d.host?.ociRuntime?.name ?? '?'} ${/version (\S+)/.exec(d.host?.ociRuntime?.version ?? '')?.[1] ?? ''}`.trim(),
    },
    builder: 'buildah',
  };
}

async function probeDocker(): Promise<Pick<HostInfo, 'docker' | 'dockerReason' | 'builder'>> {
  if (engineName() === 'podman') return probePodmanEngine();
  if (!(await which('docker'))) return { docker: null, dockerReason: 'docker CLI not installed', builder: null };
  const v = await run('docker', ['version', '--format', '{{json .}}'], quiet);
  if (v.exitCode !== 0 && !v.stdout.includes('"Server":{')) {
    return { docker: null, dockerReason: `no engine answers: ${v.stderr.trim().split('\n')[0] ?? ''}`.trim(), builder: null };
  }
  let parsed: { Client?: { Version?: string }; Server?: { Version?: string; ApiVersion?: string } };
  try {
    parsed = JSON.parse(v.stdout);
  } catch {
    return { docker: null, dockerReason: 'docker version printed no JSON', builder: null };
  }
  if (!parsed.Server?.Version) return { docker: null, dockerReason: 'no engine answers', builder: null };
  const info = await run('docker', ['info', '--format', '{{json .}}'], quiet);
  let d: Record<string, string> = {};
  try {
    d = JSON.parse(info.stdout);
  } catch {
    /* keep defaults */
  }
  const buildx = (await run('docker', ['buildx', 'version'], quiet)).exitCode === 0;
  return {
    docker: {
      name: 'docker',
      client: parsed.Client?.Version ?? null,
      engine: parsed.Server.Version,
      api: parsed.Server.ApiVersion ?? '',
      storageDriver: String(d.Driver ?? ''),
      cgroupDriver: String(d.CgroupDriver ?? ''),
      cgroupVersion: String(d.CgroupVersion ?? ''),
    },
    builder: builderKind({ env: process.env.DOCKER_BUILDKIT, buildx, engine: parsed.Server.Version }),
  };
}

async function probeCompose(dockerUp: boolean): Promise<ComposeInfo | null> {
  // Under podman, its own compose: docker-compose would talk to a docker daemon.
  if (engineName() === 'podman') return dockerUp ? podmanCompose() : null;
  if (dockerUp) {
    const p = await run('docker', ['compose', 'version', '--short'], quiet).catch(() => null);
    const parsed = p?.exitCode === 0 ? parseComposeVersion(p.stdout, 'plugin') : null;
    if (parsed) return { ...parsed, command: ['docker', 'compose'] };
  }
  if (await which('docker-compose')) {
    const s = await run('docker-compose', ['version', '--short'], quiet);
    const parsed = s.exitCode === 0 ? parseComposeVersion(s.stdout, 'standalone') : null;
    if (parsed) return { ...parsed, command: ['docker-compose'] };
  }
  return podmanCompose();
}

async function podmanCompose(): Promise<ComposeInfo | null> {
  if (!(await which('podman-compose'))) return null;
  const s = await run('podman-compose', ['version'], { ...quiet, timeoutMs: 30_000 });
  const parsed = parseComposeVersion(s.stdout, 'podman');
  return parsed ? { ...parsed, command: ['podman-compose'] } : null;
}

async function probePodman(mode: CgroupMode): Promise<HostInfo['podman']> {
  if (!(await which('podman'))) return { usable: false, reason: 'podman not installed' };
  if (mode === 'hybrid') return { usable: false,
    reason: 'crun/podman do not support hybrid cgroups (this host mounts v1 controllers beside cgroup2)' };
  const r = await run('podman', ['info', '--format', 'json'], { check: false, timeoutMs: 15_000 });
  return r.exitCode === 0 ? { usable: true, reason: 'podman info answered' }
    : { usable: false, reason: `podman info failed: ${r.stderr.trim().split('\n').pop()}` };
}

/** No traffic is sent: a registry counts as reachable only if its name resolves. */
async function probeRegistry(): Promise<boolean> {
  if (setting('registry')) return setting('registry') === '1';
  const { lookup } = await import('node:dns/promises');
  const t = new Promise<false>((r) => setTimeout(() => r(false), 3000).unref());
  return Promise.race([lookup('registry-1.docker.io').then(() => true, () => false), t]);
}

async function firstLine(cmd: string, args: string[], re?: RegExp): Promise<string | null> {
  if (!(await which(cmd))) return null;
  const r = await run(cmd, args, quiet).catch(() => null);
  if (!r || r.exitCode !== 0) return null;
  const line = (r.stdout || r.stderr).trim().split('\n')[0] ?? '';
  return re ? (re.exec(line)?.[1] ?? line) : line;
}

const exists = (p: string, mode = constants.F_OK) => access(p, mode).then(() => true, () => false);

/** The KVM field without booting a guest; the VM module refines it with a real boot probe. */
async function probeKvmDevice(): Promise<HostInfo['kvm']> {
  if (!(await exists('/dev/kvm')))
    return { device: false, usable: false, reason: '/dev/kvm does not exist (no hardware virtualization exposed)' };
  if (!(await exists('/dev/kvm', constants.R_OK | constants.W_OK)))
    return { device: true, usable: false, reason: '/dev/kvm is not readable and writable by this user' };
  return { device: true, usable: null,
    reason: '/dev/kvm opens; only booting a guest tells if it works (isolab doctor --kvm, or isolab bench)' };
}

/**
 * Can an unprivileged user make a user + mount namespace? Tried for real, as nobody: sysctls
 * (user.max_user_namespaces, Ubuntu's apparmor_restrict_unprivileged_userns) all bear on it.
 */
async function probeUserns(root: boolean): Promise<Pick<HostInfo, 'userns' | 'usernsReason'>> {
  const argv = ['unshare', '--user', '--map-root-user', '--mount', 'true'];
  const r = root ? await run('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', '--', ...argv],
    quiet) : await run(argv[0]!, argv.slice(1), quiet);
  if (r.exitCode === 0) return { userns: true };
  const restrict = (await readFile('/proc/sys/kernel/apparmor_restrict_unprivileged_userns', 'utf8').catch(() => '')).trim();
  return { userns: false,
    usernsReason: `${r.stderr.trim().split('\n')[0] || `exit ${r.exitCode}`}${restrict === '1' ? ' '
    + '(kernel.apparmor_restrict_unprivileged_userns=1)' : ''}` };
}

/**
 * The host, read: each primitive's own probe (overlay/probe.ts, vm/kvm-probe.ts, docker's base
 * images…) composed here. `kvmBoot`: also boot a KVM guest, bounded (doctor; seconds, not free).
 */
export async function probeHost(o: { kvmBoot?: boolean } = {}): Promise<HostInfo> {
  const root = process.getuid?.() === 0;
  const [cg, dockerPart, overlay, ipt, ipr, runc, qemu, kvm, registry] = await Promise.all([
    probeCgroups(),
    probeDocker(),
    root ? probeOverlay() : Promise.resolve<OverlayProbe>({ supported: false, whiteout: null, reason: 'mounting an overlay needs root' }),
    firstLine('iptables', ['--version']),
    firstLine('ip', ['-V']),
    firstLine('runc', ['--version'], /runc version (\S+)/),
    firstLine('qemu-system-x86_64', ['--version'], /version (\S+)/),
    probeKvmDevice(),
    probeRegistry(),
  ]);
  const [compose, podman, images, userns] = await Promise.all([
    probeCompose(!!dockerPart.docker),
    probePodman(cg.cgroup),
    dockerPart.docker ? dockerImages() : Promise.resolve({ busybox: null, go: null }),
    probeUserns(root),
  ]);
  const tools: Record<string, boolean> = {};
  for (const t of ['unshare', 'nsenter', 'taskset', 'hyperfine', 'busybox', 'debootstrap', 'dockerd', 'tar',
    'getfattr', 'qemu-aarch64']) tools[t] = !!(await which(t));
  return {
    kernel: os.release(),
    arch: os.arch() === 'x64' ? 'x86_64' : os.arch(),
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    root,
    ...cg,
    overlay,
    iproute2: ipr ? parseIproute2Version(ipr) : null,
    iptables: ipt ? parseIptablesVersion(ipt) : null,
    ...dockerPart,
    compose,
    registry,
    images,
    runc,
    podman,
    qemu,
    kvm: o.kvmBoot && kvm.device ? await probeKvmBoot(kvm) : kvm,
    tools,
    foreignBinary: await access(FOREIGN_BUSYBOX, constants.R_OK).then(() => FOREIGN_BUSYBOX, () => null),
    ...userns,
  };
}

/** The engine alone: does it answer, its builder, its compose (what grading a course's parts needs). */
export async function probeEngine(o: { compose: boolean }): Promise<Pick<HostInfo, 'docker' | 'dockerReason' | 'builder' | 'compose'>> {
  const d = await probeDocker();
  return { ...d, compose: o.compose ? await probeCompose(!!d.docker) : null };
}
