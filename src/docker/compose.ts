// A compose project under the host's compose flavour (v2 plugin, standalone v1 or v2,
// podman-compose), named isolab-<run>-<label>. Containers are found by the project label,
// so v1's project_svc_1 and v2's project-svc-1 names both work.
import { lstat, readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { run, type RunResult } from '../core/exec.js';
import { openJournal } from './journal.js';
import type { Ledger } from '../core/ledger.js';
import { resourceName } from '../core/names.js';
import type { ComposeInfo } from '../types/host.js';
import { docker, localName } from './cli.js';
import { removeImages, mentionedIds, ownNewImages, imagesBefore } from './build.js';
import { runWatchedBuild } from './build-disk.js';
import { withEngineCache } from './engine-cache.js';
import { scratchDir } from '../core/fs.js';
import { runId } from '../core/names.js';
import { withCacheScope } from './dockerfile.js';
import { runCacheImages, bare } from './run-cache.js';

export type ComposeResult = RunResult & { stage: 'build' | 'run'; buildMs?: number; overDisk?: string };

export interface ComposeProject {
  name: string;
  /** With `--build`: the build bounded by `buildTimeoutMs`, then `up` by `timeoutMs`; `stage` says which ended it. */
  cmd(args: string[], timeoutMs?: number, buildTimeoutMs?: number): Promise<ComposeResult>;
  /** container id per service (including exited ones) */
  containers(): Promise<Array<{ id: string; service: string; name: string; state: string }>>;
  logs(service: string): Promise<string>;
  /** what is left of the project on the engine: containers, networks, images */
  leftovers(): Promise<{ containers: string[]; networks: string[]; images: string[] }>;
  /** `down --rmi local` in the engine cache's turn; `engineWaitMs` is the wait for that turn */
  down(): Promise<RunResult & { engineWaitMs: number }>;
}

/** `env`: what the compose CLI runs with besides (DOCKER_HOST for another engine's API socket). */
export async function composeProject(ledger: Ledger, compose: ComposeInfo, dir: string, files: string[], label: string,
  env: Record<string, string> = {}, o: { buildDiskMb?: number } = {}): Promise<ComposeProject> {
  // v1 lowercases and drops characters it dislikes; this name survives both.
  const name = resourceName(label).toLowerCase();
  const [exe, ...pre] = compose.command;
  const scoped = await scopeBuilds(ledger, dir, files);
  const base = [...pre, '-p', name, ...[...files, ...(scoped ? [scoped] : [])].flatMap((f) => ['-f', f])];
  // The ids its builds print: what this project made, whatever else builds at the same time.
  const mentioned = new Set<string>();
  // Written down as they appear: an engine that dies mid-build leaves them for `isolab clean`.
  const journal = openJournal(name);
  const raw = async (args: string[], timeoutMs: number) => {
    const how = { cwd: dir, timeoutMs, env: { COMPOSE_INTERACTIVE_NO_CLI: '1', DOCKER_CLI_HINTS: 'false', ...env } };
    // A build's writes bounded where asked (build-disk.ts): past them it stops, and says why.
    const r = args[0] === 'build' && o.buildDiskMb
      ? await runWatchedBuild(exe!, [...base, ...args], { ...how, limitMb: o.buildDiskMb })
      : await run(exe!, [...base, ...args], { ...how, check: false });
    for (const id of mentionedIds(r.stdout + r.stderr)) mentioned.add(id);
    await journal.add(r.stdout + r.stderr, [...mentioned]);
    return r;
  };
  // `up --build` is `build` in the engine cache's turn (engine-cache.ts), then `up`: the turn
  // is not held through the project's run (a client's sleep, a timeout). Two bounds: a compile
  // under emulation takes minutes, a server that never answers should cost seconds.
  const cmd = async (args: string[], timeoutMs = 120_000, buildTimeoutMs = timeoutMs) => {
    if (!args.includes('--build') && args[0] !== 'build') return { ...await raw(args, timeoutMs), stage: 'run' as const };
    const built = await withEngineCache(`compose build ${name}`, () => raw(['build'], buildTimeoutMs), { mode: 'build' });
    const buildMs = built.durationMs;
    if (built.exitCode !== 0 || args[0] === 'build') return { ...built, stage: 'build' as const, buildMs };
    const up = await raw(args.filter((a) => a !== '--build'), timeoutMs);
    return { ...up, stdout: built.stdout + up.stdout, stderr: built.stderr + up.stderr, stage: 'run' as const, buildMs };
  };
  const byLabel = (kind: 'ps' | 'network' | 'images') => projectLists(name, kind);
  const before = await imagesBefore();
  let downed = false;
  const project: ComposeProject = {
    name,
    cmd,
    async containers() {
      return (await byLabel('ps')).stdout.split('\n').filter(Boolean).map((l) => {
        const [id, service, cname, state] = l.split('\t');
        return { id: id!, service: service!, name: cname!, state: state! };
      });
    },
    async logs(service) {
      const c = (await project.containers()).find((x) => x.service === service);
      if (!c) return '';
      const r = await docker(['logs', c.id], { check: false, timeoutMs: 15_000 });
      return r.stdout + r.stderr;
    },
    async leftovers() {
      return {
        containers: (await project.containers()).map((c) => c.name),
        networks: (await byLabel('network')).stdout.split('\n').filter(Boolean),
        images: (await byLabel('images')).stdout.split('\n').map(localName).filter((l) => l.startsWith(name)),
      };
    },
    down: () => withEngineCache(`compose down ${name}`, async (engineWaitMs) => {
      const r = await downNow(engineWaitMs);
      downed ||= r.exitCode === 0;
      return r;
    }),
  };
  const downNow = async (engineWaitMs: number) => ({ ...(await downProject(name, compose, cmd)), engineWaitMs });
  ledger.add('compose', name, async () => {
    if (!downed) await project.down();
    // What the project's builds created and down did not remove (builder-stage images), but the
    // run's cached layers (run-cache.ts): a later project of the run builds the same steps.
    await withEngineCache(`removing what ${name} built`, async () => {
      const now = (await docker(['images', '-a', '-q', '--no-trunc'], { timeoutMs: 15_000 })).stdout.split('\n').filter(Boolean);
      const cached = await runCacheImages();
      await removeImages(ownNewImages(now, before, [...mentioned]).filter((id) => !cached.has(bare(id))), (t) => t.startsWith(name));
    });
    await journal.forget();
  });
  return project;
}

/** A project's containers, networks (by its compose label) or the engine's images, as the engine lists them. */
function projectLists(name: string, kind: 'ps' | 'network' | 'images') {
  const filter = `label=com.docker.compose.project=${name}`;
  if (kind === 'ps') return docker(['ps', '-a', '--filter', filter, '--format',
    '{{.ID}}\t{{.Label "com.docker.compose.service"}}\t{{.Names}}\t{{.State}}'], { timeoutMs: 15_000 });
  if (kind === 'network') return docker(['network', 'ls', '--filter', filter, '--format', '{{.Name}}'], { timeoutMs: 15_000 });
  return docker(['images', '-a', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'], { timeoutMs: 15_000 });
}

/** `down` with its volumes and the images it built, in each flavour's words. */
async function downProject(name: string, compose: ComposeInfo, cmd: ComposeProject['cmd']): Promise<RunResult> {
  if (compose.flavour !== 'podman-compose')
    return cmd(['down', '--volumes', '--remove-orphans', '--rmi', 'local', '--timeout', '2'], 60_000);
  // podman-compose 1.3 has no `down --rmi` ("unrecognized arguments"): the images it built,
  // <project>_<service>, are removed by name after it, as --rmi local would.
  const r = await cmd(['down', '--volumes', '--remove-orphans', '--timeout', '2'], 60_000);
  const built = (await projectLists(name, 'images')).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((t) =>
    localName(t).startsWith(`${name}_`));
  for (const t of built) await docker(['rmi', t], { check: false, timeoutMs: 30_000 });
  return r;
}

/**
 * The run's cache scope for a project's builds (run-cache.ts): each built service's Dockerfile,
 * copied with the scope's LABEL outside the project's folder, named by an override file — the
 * author's files stay as they are. Null when no service builds.
 */
async function scopeBuilds(ledger: Ledger, dir: string, files: string[]): Promise<string | null> {
  const builds = new Map<string, { context: string; dockerfile: string }>();
  let version: unknown;
  for (const f of files) {
    let doc: { version?: unknown; services?: Record<string, { build?: unknown } | null> } | null;
    try {
      doc = parse(await readFile(path.join(dir, f), 'utf8').catch(() => '')) as typeof doc;
    } catch {
      return null; // compose itself says what is wrong with the file, in its words
    }
    version ??= doc?.version;
    for (const [svc, def] of Object.entries(doc?.services ?? {})) {
      const b = def?.build;
      if (typeof b === 'string') builds.set(svc, { context: b, dockerfile: 'Dockerfile' });
      else if (b && typeof b === 'object') {
        const o = b as { context?: unknown; dockerfile?: unknown };
        const was = builds.get(svc);
        builds.set(svc, { context: typeof o.context === 'string' ? o.context : was?.context ?? '.',
          dockerfile: typeof o.dockerfile === 'string' ? o.dockerfile : was?.dockerfile ?? 'Dockerfile' });
      }
    }
  }
  const services: Record<string, { build: { context: string; dockerfile: string } }> = {};
  let out: string | null = null;
  for (const [svc, b] of builds) {
    // Only a regular file inside the project's folder, links resolved (a context that is a link
    // must not make this read a host file): compose reports any other as it would.
    const authored = await realpath(path.resolve(dir, b.context, b.dockerfile)).catch(() => null);
    if (!authored || path.relative(await realpath(dir), authored).startsWith('..')
      || !(await lstat(authored).then((st) => st.isFile(), () => false))) continue;
    out ??= await scratchDir(ledger, 'compose-dockerfiles', { tmpfs: false });
    const scoped = path.join(out, `${svc.replace(/[^A-Za-z0-9_.-]/g, '_')}.Dockerfile`);
    await writeFile(scoped, withCacheScope(await readFile(authored, 'utf8'), runId()));
    services[svc] = { build: { context: b.context, dockerfile: scoped } };
  }
  if (!out) return null;
  // Compose v1 wants every file's version to match the first's; v2 ignores it.
  await writeFile(path.join(dir, OVERRIDE), stringify({ ...(version !== undefined ? { version } : {}), services }));
  return OVERRIDE;
}

const OVERRIDE = 'isolab-cache-scope.yml';
