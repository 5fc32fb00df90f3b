// A part of a submission, live: its image built (or its compose project up) contained — the
// assignment's limits, no-new-privileges, networks that reach nothing outside the project,
// nothing published on the host — and the grader's probe container beside it on the project's
// network. Checks (src/grade/checks) ask it for what they judge; everything it makes is in the
// run's ledger. Not testcontainers, for the compose CLI's reasons (suites/compose/project.ts):
// v1 on this kind of host, wait strategies that probe ports published on the host, a reaper image
// pulled from a registry.
import { lstat, readFile, readdir, rm, writeFile, cp } from 'node:fs/promises';
import path from 'node:path';
import type { Ledger } from '../../core/ledger.js';
import { docker, runContainer, createNetwork, inspect } from '../../docker/cli.js';
import { buildImage, BuildError, type Builder } from '../../docker/build.js';
import { composeProject, type ComposeProject } from '../../docker/compose.js';
import { containCompose, NO_HOST_ADDRESS } from '../untrusted.js';
import { until } from '../../core/waits.js';
import { resourceName } from '../../core/names.js';
import type { ComposeInfo } from '../../types/host.js';
import { PartFailure, HostFailure, type BuiltImage, type PartRuntime, type RunOutcome } from '../checks/kind.js';
import { requestText, parseAnswer, type HttpRequest, type HttpAnswer } from './http.js';
import type { BuildNetwork, CoursePart, Limits, Ready } from '../course.js';
import { startEgress, egressVerdict, type Egress } from './egress.js';
import { standInsOf } from './stand-ins.js';
import { engineGetHead, engineSocket } from '../../docker/engine-api.js';
import { engineName } from '../../core/engine-name.js';
import { run } from '../../core/exec.js';

/** The grader's probe: busybox (provisioned offline), nc and timeout in it. */
export const PROBE_IMAGE = 'isolab/busybox:latest';

export interface RuntimeOptions {
  ledger: Ledger;
  part: CoursePart;
  /** the part's folder, a private copy (the workspace) and the submission's own (read-only to us) */
  dir: string;
  original: string;
  limits: Limits;
  buildNetwork: BuildNetwork;
  builder: Builder;
  compose: ComposeInfo | null;
}

const cap = (s: string, kb: number) => (s.length > kb * 1024 ? `${s.slice(-kb * 1024)}` : s);

/** `docker run` flags that contain a student's container. */
export const containment = (l: Limits) => ['--memory', `${l.memoryMb}m`, '--memory-swap', `${l.memoryMb}m`, '--pids-limit', String(l.pids),
  '--cpus', String(l.cpus), '--security-opt', 'no-new-privileges', '--log-opt', `max-size=${l.outputKb}k`];

/** Every file and folder under dir, relative (links as they are). */
async function listTree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
    const r = path.join(rel, e.name);
    out.push(r);
    if (e.isDirectory()) out.push(...await listTree(dir, r));
  }
  return out;
}

export function partRuntime(o: RuntimeOptions): PartRuntime & { close(): Promise<void>; contained: string[]; standIns: string[] } {
  const { ledger, part, limits } = o;
  const label = (s: string) => `${part.name}-${s}`;
  let built: Promise<BuiltImage> | undefined;
  let upped: Promise<void> | undefined;
  let project: ComposeProject | undefined;
  let container: string | undefined;
  let probe: string | undefined;
  let network: string | undefined;
  const createdFrom: Record<string, ReturnType<typeof runContainer>> = {};
  /** what containment changed in the student's compose file (told to them) */
  const contained: string[] = [];
  /** base images that were this host's offline stand-ins (told to them) */
  const standIns: string[] = [];

  const imageOf = async (ref: string, dockerfile: string | null): Promise<BuiltImage> => {
    const i = await inspect<{ Size: number; Config: { User?: string; ExposedPorts?: Record<string, unknown> | null; Entrypoint?: string[] | null;
      Cmd?: string[] | null; WorkingDir?: string; Env?: string[] | null; Labels?: Record<string, string> | null } }>(ref, 'image');
    const c = i.Config;
    return { ref, sizeBytes: i.Size, user: c.User ?? '', exposed: Object.keys(c.ExposedPorts ?? {}), entrypoint: c.Entrypoint ?? null,
      cmd: c.Cmd ?? null, workdir: c.WorkingDir ?? '', env: Object.fromEntries((c.Env ?? []).map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)])),
      labels: Object.fromEntries(Object.entries(c.Labels ?? {}).filter(([k]) => !k.startsWith('isolab.'))), dockerfile };
  };

  // A registries build's way out (egress.ts), started with the part's first build.
  let egress: Promise<Egress> | undefined;
  const registries = o.buildNetwork.network === 'registries';
  const egressOf = () => (egress ??= startEgress(ledger, label, o.buildNetwork.registries));
  /** A failed build through the proxy: what it refused is the submission's doing; a registry that did not answer, the host's. */
  const egressSays = async (): Promise<string> => {
    if (!egress) return '';
    const v = egressVerdict(await (await egress).decisions(), o.buildNetwork.registries);
    if (v.host) throw new HostFailure(`the build could not reach its registries from this grading host: ${v.host}`);
    return v.student ? ` — ${v.student}` : '';
  };

  const readPlain = async (abs: string) => (await lstat(abs).then((s) => s.isFile(), () => false)) ? readFile(abs, 'utf8') : null;

  const buildOwn = async (): Promise<BuiltImage> => {
    const dockerfile = part.image?.dockerfile ?? 'Dockerfile';
    try {
      // Through the proxy, RUN steps join a network of the build's own: the classic builder's
      // (BuildKit's --network takes default, none or host only).
      const through = registries ? await egressOf() : undefined;
      const b = await buildImage(ledger, o.dir, { label: label('image'), dockerfile, builder: through ? 'legacy' : o.builder,
        ...(o.buildNetwork.network === 'none' ? { network: 'none' } : {}),
        ...(through ? { network: through.network, buildArgs: through.args, env: { DOCKER_BUILDKIT: '0' } } : {}),
        memoryMb: limits.memoryMb * 4, timeoutMs: limits.buildSeconds * 1000, diskMb: limits.imageMb });
      const text = await readPlain(path.join(o.dir, dockerfile));
      const [img, stood] = await Promise.all([imageOf(b.tag, text), text ? standInsOf(text) : Promise.resolve([])]);
      for (const s of stood) if (!standIns.includes(s)) standIns.push(s);
      return img;
    } catch (e) {
      if (e instanceof BuildError) throw new PartFailure(`the image did not build: ${e.engineError}${failingStep(e.output)}${await egressSays()}`,
        { build: cap(e.output, 8) });
      throw e;
    }
  };

  const composeFileRel = () => part.compose?.file ?? 'docker-compose.yml';

  /** The contained compose file written over the workspace's copy. */
  const containFile = async () => {
    const abs = path.join(o.dir, composeFileRel());
    const text = await readPlain(abs);
    if (text === null) throw new PartFailure(`${composeFileRel()} is not in ${part.dir}`);
    const v1 = o.compose!.flavour === 'standalone-v1';
    const through = registries ? await egressOf() : undefined;
    const contained = containCompose(text, { limits }, v1 ? 'v1' : 'v2',
      { buildNetwork: through ? { network: through.network, args: through.args } : o.buildNetwork.network === 'open' ? 'open' : 'none' });
    await writeFile(abs, contained.text);
    return contained.stripped;
  };

  const containerOf = async (service?: string): Promise<string> => {
    if (!project) return container!;
    const cs = await project.containers();
    const c = cs.find((x) => x.service === (service ?? part.compose?.service));
    if (!c) throw new PartFailure(`no container of service ${service ?? '(none named)'}: services ${[...new Set(cs.map((x) => x.service))].join(', ') || 'none'}`);
    return c.id;
  };

  const startProbe = async (networks: string[]) => {
    const p = await runContainer(ledger, label('probe'), ['--network', networks[0]!, '--memory', '64m', '--pids-limit', '32',
      '--security-opt', 'no-new-privileges', PROBE_IMAGE, 'sleep', String(limits.upSeconds + limits.buildSeconds + 600)]);
    for (const n of networks.slice(1)) await docker(['network', 'connect', n, p.name], { timeoutMs: 15_000 });
    probe = p.name;
  };

  const hostOf = (service?: string) => (project ? service ?? part.compose?.service ?? '' : part.image?.service ?? part.name);
  const portOf = (port?: number) => port ?? part.image?.port ?? part.compose?.port;

  // At most 1 MB of an answer comes back to the grader (a server that streams without end fills
  // no memory of the host's); the exit is nc's (pipefail), 141 when the cap cut it short.
  const exchange = async (host: string, port: number, input: string, seconds = 10) =>
    docker(['exec', '-i', probe!, 'sh', '-c', 'set -o pipefail; timeout "$0" nc -w 3 "$1" "$2" | head -c 1048576',
      String(seconds), host, String(port)], { input, check: false, timeoutMs: (seconds + 5) * 1000 });

  const http = async (r: HttpRequest): Promise<HttpAnswer | { error: string }> => {
    const host = hostOf(r.service);
    const port = portOf(r.port);
    if (!port) return { error: 'no port: the assignment names none for this request' };
    const x = await exchange(host, port, requestText(r, host));
    const a = parseAnswer(x.stdout);
    if (a) return a;
    const why = /can't connect|Connection refused/i.test(x.stderr) ? `${host}:${port} refused the connection`
      : /bad address|resolve/i.test(x.stderr) ? `no service named ${host} on the project's network`
        : x.exitCode === 143 || x.timedOut ? `no answer from ${host}:${port} within 10 s` : !x.stdout.trim() ? `${host}:${port} closed the connection without an answer` : `no HTTP answer from ${host}:${port}: ${JSON.stringify(x.stdout.slice(0, 120))}`;
    return { error: why };
  };

  const tcpOpen = async (service: string | undefined, port: number) => {
    const host = hostOf(service);
    const x = await exchange(host, port, '', 3);
    const refused = /can't connect|Connection refused|bad address/i.test(x.stderr);
    return { open: !refused && (x.exitCode === 0 || x.exitCode === 143 || x.exitCode === 141), said: x.stderr.trim().split('\n').pop() ?? '' };
  };

  const logsOf = async (service?: string) => {
    const id = await containerOf(service);
    const r = await docker(['logs', id], { check: false, timeoutMs: 15_000 });
    return cap(r.stdout + r.stderr, limits.outputKb);
  };

  /** Ready as the part declares (or: every port its http checks use accepts), within limits.upSeconds. */
  const awaitReady = async (ready: Ready | undefined) => {
    const within = (ready?.within ?? limits.upSeconds) * 1000;
    const what = describeReady(ready, part);
    const probeOnce = async (): Promise<boolean> => {
      if (ready?.http) {
        const a = await http({ service: ready.http.service, port: ready.http.port, path: ready.http.path });
        return !('error' in a) && (ready.http.status === undefined ? a.status < 500 : a.status === ready.http.status);
      }
      if (ready?.log) return (await logsOf(ready.log.service).catch(() => '')).includes(ready.log.contains);
      if (ready?.healthy) {
        const id = await containerOf(ready.healthy).catch(() => null);
        return !!id && (await docker(['inspect', '--format', '{{if .State.Health}}{{.State.Health.Status}}{{end}}', id],
          { check: false, timeoutMs: 10_000 })).stdout.trim() === 'healthy';
      }
      const ports = ready?.port ? [ready.port] : defaultPorts(part);
      for (const p of ports) if (!(await tcpOpen(p.service, p.port)).open) return false;
      return true;
    };
    const ok = await until(probeOnce, { what, timeoutMs: within, everyMs: 300 });
    if (!ok) {
      const logs = project ? Object.fromEntries(await Promise.all((await project.containers()).map(async (c) =>
        [c.service, `${c.state}: ${await logsOf(c.service).catch(() => '')}`] as const)))
        : { [part.name]: await logsOf().catch(() => '') };
      throw new PartFailure(`not ready within ${within / 1000} s (${what})`, { logs });
    }
  };

  const upImage = async () => {
    const img = await (built ??= buildOwn());
    network = await createNetwork(ledger, label('net'), ['--internal', '-o', `${NO_HOST_ADDRESS}=true`]);
    const env = Object.entries(part.image?.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // The service and the probe start side by side: neither waits for the other.
    const [c] = await Promise.all([runContainer(ledger, label('service'), [...containment(limits), '--network', network,
      '--network-alias', hostOf(), ...env, img.ref, ...(part.image?.command ?? [])], { check: false, timeoutMs: 30_000 }),
    startProbe([network])]);
    if (c.result.exitCode !== 0) throw new PartFailure(`the container did not start: ${c.result.stderr.trim().split('\n').pop()}`);
    container = c.name;
  };

  let original: string[] | undefined;
  const upCompose = async () => {
    if (!o.compose) throw new Error('no compose on this grading host');
    original ??= await listTree(o.dir);
    const stripped = await containFile();
    for (const x of stripped) if (!contained.includes(x)) contained.push(x);
    project ??= await composeProject(ledger, o.compose, o.dir, [composeFileRel()], label('project'),
      registries ? { DOCKER_BUILDKIT: '0' } : {}, { buildDiskMb: limits.imageMb });
    const r = await project.cmd(['up', '-d', '--build'], limits.upSeconds * 1000, limits.buildSeconds * 1000);
    if (r.exitCode !== 0) {
      const out = cap(r.stdout + r.stderr, 8);
      throw new PartFailure(r.stage === 'build' ? `its images did not build${r.timedOut ? ` within ${limits.buildSeconds} s` : ''}: ${lastLines(out)}${await egressSays()}`
        : `compose up failed${r.timedOut ? ` (no exit within ${limits.upSeconds} s)` : ''}: ${lastLines(out)}`, { compose: out, stripped });
    }
    const nets = (await docker(['network', 'ls', '--filter', `label=com.docker.compose.project=${project.name}`, '--format', '{{.Name}}'],
      { timeoutMs: 15_000 })).stdout.split('\n').filter(Boolean);
    if (!probe) await startProbe(nets);
  };

  const up = () => (upped ??= (async () => {
    if (part.compose) await upCompose();
    else await upImage();
    await awaitReady(part.ready);
  })());

  /** The part's folder back as submitted: what its services wrote removed, what they changed restored. */
  const restoreWorkspace = async () => {
    const before = new Set(original ?? []);
    const now = await listTree(o.dir);
    // What the grader wrote there is named isolab-… (the cache-scope override): kept.
    const extra = now.filter((r) => !before.has(r) && !r.startsWith('isolab-'))
      .filter((r, _, all) => !all.some((p) => p !== r && r.startsWith(p + path.sep)));
    for (const r of extra) {
      await rm(path.join(o.dir, r), { recursive: true, force: true }).catch(async () => {
        // written by a container as another user: removed by a container too
        await docker(['run', '--rm', '--network', 'none', '-v', `${o.dir}:/w`, PROBE_IMAGE, 'rm', '-rf', `/w/${r}`], { timeoutMs: 30_000 });
      });
    }
    await cp(o.original, o.dir, { recursive: true, verbatimSymlinks: true, force: true });
  };

  return {
    contained,
    standIns,
    name: part.name,
    file: (rel) => readPlain(path.join(o.original, rel)),
    composeText: () => (part.compose ? readPlain(path.join(o.original, composeFileRel())) : Promise.resolve(null)),
    async image(service) {
      if (!part.compose) return (built ??= buildOwn());
      await up();
      const id = await containerOf(service);
      const ref = (await docker(['inspect', '--format', '{{.Image}}', id], { timeoutMs: 15_000 })).stdout.trim();
      const svc = service ?? part.compose.service;
      return imageOf(ref, await dockerfileOfService(o.original, composeFileRel(), svc));
    },
    async imageFile(p, service) {
      const ref = (await this.image(service)).ref;
      // One created (never started) container per image, its files read with `docker cp`; the ledger removes it.
      const made = (createdFrom[ref] ??= runContainer(ledger, label(`files-${Object.keys(createdFrom).length + 1}`),
        ['--network', 'none', ref, '/'], { create: true, check: false, timeoutMs: 30_000 }));
      const c = await made;
      if (c.result.exitCode !== 0) return null;
      // On the socket only its first MB (and the tar header) is read: a file of gigabytes costs the grader nothing.
      const socket = engineName() === 'docker' ? engineSocket() : null;
      if (socket) {
        const head = await engineGetHead(socket, `/containers/${c.name}/archive?path=${encodeURIComponent(p)}`, 512 + (1 << 20))
          .catch(() => null);
        return head ? firstTarEntry(head) : null;
      }
      // Through the CLI, cut at the same length (a copy that failed writes nothing: no tar, no file).
      const r = await run('sh', ['-c', '"$0" cp "$1" - | head -c "$2"', engineName(), `${c.name}:${p}`, String(512 + (1 << 20))],
        { check: false, timeoutMs: 30_000 });
      return r.stdout.length >= 512 ? firstTarEntry(Buffer.from(r.stdout, 'utf8')) : null;
    },
    async runOnce(x): Promise<RunOutcome> {
      const img = await (part.compose ? this.image() : (built ??= buildOwn()));
      const name = resourceName(label(`run-${Math.random().toString(36).slice(2, 8)}`));
      ledger.add('container', name, () => docker(['rm', '-f', '-v', name], { check: false, timeoutMs: 30_000 }));
      const seconds = x.timeoutS || limits.upSeconds;
      const env = Object.entries(x.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
      const r = await docker(['run', '--name', name, ...(x.stdin !== undefined ? ['-i'] : []), '--network', 'none', ...containment(limits),
        '--label', `isolab.run=${name.split('-')[1]}`, ...env, img.ref, ...(x.args ?? [])],
      { check: false, timeoutMs: seconds * 1000, input: x.stdin });
      await docker(['rm', '-f', name], { check: false, timeoutMs: 30_000 });
      return { exitCode: r.timedOut ? null : r.exitCode, stdout: cap(r.stdout, limits.outputKb), stderr: cap(r.stderr, limits.outputKb), timedOut: r.timedOut };
    },
    up,
    http: async (r) => { await up(); return http(r); },
    tcp: async (s, p) => { await up(); return tcpOpen(s, p); },
    logs: async (s) => { await up(); return logsOf(s); },
    async restart({ wipe }) {
      await up();
      if (!project) throw new PartFailure('a restart needs a compose part');
      // The probe is on the project's networks: down could not remove them under it.
      if (probe) await docker(['rm', '-f', probe], { check: false, timeoutMs: 30_000 });
      probe = undefined;
      const down = await project.cmd(['down', '--timeout', '5', ...(wipe ? ['--volumes'] : [])], 60_000);
      if (down.exitCode !== 0) throw new Error(`compose down failed: ${lastLines(down.stderr)}`);
      if (wipe) await restoreWorkspace();
      upped = undefined;
      await up();
    },
    async stop(service, withinS) {
      await up();
      const id = await containerOf(service);
      const t0 = performance.now();
      await docker(['stop', '-t', String(withinS), id], { check: false, timeoutMs: (withinS + 30) * 1000 });
      const ms = performance.now() - t0;
      const st = (await docker(['inspect', '--format', '{{.State.ExitCode}}', id], { timeoutMs: 15_000 })).stdout.trim();
      const exitCode = Number(st);
      return { ms, exitCode, killed: exitCode === 137 };
    },
    async close() {
      // The part's containers in one call (the ledger, after, finds them gone); the rest is the ledger's.
      const made = [container, probe, ...await Promise.all(Object.values(createdFrom).map(async (c) => (await c).name))]
        .filter((n): n is string => !!n);
      if (!made.length) return;
      const r = await docker(['rm', '-f', '-v', ...made], { check: false, timeoutMs: 60_000 });
      if (r.exitCode === 0) ledger.forgetNamed('container', made);
    },
  };
}

/** What the failing step printed last, before the builder's own error line (" — it said: …"), or nothing. */
export function failingStep(output: string): string {
  // The legacy builder's deprecation notice is the CLI's, not the step's.
  const lines = output.split('\n').map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim())
    .filter((l) => l && !/^(DEPRECATED: The legacy builder|Install the buildx component|https:\/\/docs\.docker\.com\/go\/buildx|Removing intermediate container|---> Running in)/.test(l));
  const at = lines.findIndex((l) => /returned a non-zero code|did not complete successfully/.test(l));
  const said = lines.slice(Math.max(0, at - 2), at).filter((l) => !/^(Step \d|---> |#\d+ \[)/.test(l));
  return at > 0 && said.length ? ` — it said: ${said.join(' | ').slice(0, 300)}` : '';
}

const lastLines = (s: string, n = 3) => s.trim().split('\n').slice(-n).join(' | ');

/** The Dockerfile a compose service builds from, as submitted (null: an image it does not build). */
async function dockerfileOfService(dir: string, file: string, service?: string): Promise<string | null> {
  if (!service) return null;
  const { parse } = await import('yaml');
  const doc = parse(await readFile(path.join(dir, file), 'utf8').catch(() => '')) as { services?: Record<string, { build?: unknown }> } | null;
  const b = doc?.services?.[service]?.build;
  if (!b) return null;
  const ctx = typeof b === 'string' ? b : String((b as { context?: string }).context ?? '.');
  const df = typeof b === 'object' ? String((b as { dockerfile?: string }).dockerfile ?? 'Dockerfile') : 'Dockerfile';
  const abs = path.resolve(dir, ctx, df);
  if (path.relative(dir, abs).startsWith('..')) return null;
  return (await lstat(abs).then((s) => s.isFile(), () => false)) ? readFile(abs, 'utf8') : null;
}

/** The first entry of a tar stream (what `docker cp ctr:path -` writes): its mode, type and text. */
export function firstTarEntry(tar: Buffer): { mode: number; type: 'file' | 'dir' | 'link' | 'other'; text: string } | null {
  if (tar.length < 512) return null;
  const field = (off: number, len: number) => tar.subarray(off, off + len).toString('latin1').replace(/\0.*$/s, '').trim();
  const mode = parseInt(field(100, 8), 8);
  const size = parseInt(field(124, 12), 8) || 0;
  const flag = field(156, 1);
  const type = flag === '0' || flag === '' ? 'file' : flag === '5' ? 'dir' : flag === '2' ? 'link' : 'other';
  return { mode, type, text: type === 'file' ? tar.subarray(512, 512 + Math.min(size, 1 << 20)).toString('utf8') : '' };
}

/** The ports a part's http and persist checks reach: what "ready" means when the assignment says nothing. */
function defaultPorts(part: CoursePart): Array<{ service?: string; port: number }> {
  const out = new Map<string, { service?: string; port: number }>();
  for (const c of part.checks) {
    const v = c.value as { write?: unknown[]; kept?: unknown[]; wiped?: unknown[] };
    const steps = c.kind.name === 'http' ? ([] as unknown[]).concat(c.value)
      : c.kind.name === 'persist' ? [...(v.write ?? []), ...(v.kept ?? []), ...(v.wiped ?? [])] : [];
    for (const s of steps as Array<{ service?: string; port?: number }>) {
      const port = s.port ?? part.image?.port ?? part.compose?.port;
      if (port) out.set(`${s.service ?? ''}:${port}`, { service: s.service, port });
    }
  }
  return [...out.values()];
}

export function describeReady(r: Ready | undefined, part: CoursePart): string {
  if (r?.http) return `${r.http.service ?? 'the service'} answering ${r.http.path}${r.http.status ? ` with ${r.http.status}` : ''}`;
  if (r?.log) return `${r.log.service ?? 'the service'} logging ${JSON.stringify(r.log.contains)}`;
  if (r?.healthy) return `${r.healthy} healthy`;
  const ports = r?.port ? [r.port] : defaultPorts(part);
  return ports.length ? ports.map((p) => `${p.service ?? 'the service'}:${p.port} accepting`).join(', ') : 'its containers started';
}
