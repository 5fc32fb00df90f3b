// What a build writes to the engine's disk, watched while it runs. Past its bound the build is
// stopped and fails with the reason: a build that writes without end fails its own check, and
// the host's disk never fills. The classic builder shows its steps (a container per RUN, a
// layer per step): what they wrote is measured. BuildKit hides them: the growth of the engine's
// data root while the build runs stands in (everything that grew counts).
import { run, start, type RunResult } from '../core/exec.js';
import { engineName } from '../core/engine-name.js';
import { engineGet, engineSocket } from './engine-api.js';

const q = { check: false, timeoutMs: 10_000 } as const;
const MB = 1e6;
/** Free space a build may not take the engine's disk under, whatever its own bound. */
const FLOOR_MB = 512;
/** Read this often: a RUN step writing from /dev/zero fills a disk fast. */
const POLL_MS = 250;

export interface Watched extends RunResult {
  /** why the build was stopped for what it wrote, or undefined */
  overDisk?: string;
  /** the most it was seen to have written (MB) */
  writtenMb: number;
}

/** Step containers and the layers they made, in the classic builder's output. */
function legacySteps(out: string): { running: string | null; layers: string[][] } {
  const stages = out.split(/^Step \d+\/\d+ : FROM /mi).slice(1);
  const layers = stages.map((s) => [...s.matchAll(/^ ---> ([0-9a-f]{12})\s*$/gm)].map((m) => m[1]!));
  const running = [...out.matchAll(/^ ---> Running in ([0-9a-f]{12})/gm)].pop()?.[1] ?? null;
  return { running, layers };
}

/**
 * A reader of how much the build wrote so far (bytes): the classic builder's steps — the layers
 * it committed and its running step's writable layer, both as the engine measures them (so a
 * grader in the docker group, without root, reads them too) — or, where the builder hides its
 * steps, the growth of the engine's data root. Free space on that disk, where it can be read.
 */
function writtenReader(output: () => string) {
  const sizes = new Map<string, number>();
  const engine = engineName();
  let root: string | null = null;
  let used0: number | null = null;
  // Docker's own socket where the CLI would use it: four readings a second beside a build on two
  // CPUs, a CLI process each, took CPU from the build they watch.
  const socket = engine === 'docker' ? engineSocket() : null;
  const size = async (id: string) => {
    if (!sizes.has(id)) {
      if (socket) {
        const i = await engineGet<{ Size: number }>(socket, `/images/${id}/json`).catch(() => null);
        if (i) sizes.set(id, i.Size);
      } else {
        const r = await run(engine, ['image', 'inspect', '--format', '{{.Size}}', id], q);
        if (r.exitCode === 0) sizes.set(id, Number(r.stdout.trim()));
      }
    }
    return sizes.get(id) ?? 0;
  };
  const stepWrote = async (container: string) => (socket
    ? (await engineGet<{ SizeRw?: number }>(socket, `/containers/${container}/json?size=1`).catch(() => null))?.SizeRw ?? 0
    : Number((await run(engine, ['container', 'inspect', '--size', '--format', '{{.SizeRw}}', container], q)).stdout.trim()) || 0);
  const dataRoot = async (): Promise<{ used: number; avail: number } | null> => {
    root ??= (socket ? (await engineGet<{ DockerRootDir?: string }>(socket, '/info').catch(() => null))?.DockerRootDir
      : (await run(engine, ['info', '--format', '{{.DockerRootDir}}'], q)).stdout.trim()) || '/var/lib/docker';
    const r = await run('df', ['-B1', '--output=used,avail', root], q);
    const [used, avail] = (r.stdout.trim().split('\n')[1] ?? '').trim().split(/\s+/).map(Number);
    return r.exitCode === 0 && Number.isFinite(used) && Number.isFinite(avail) ? { used: used!, avail: avail! } : null;
  };
  return async (): Promise<{ written: number; avail: number }> => {
    const disk = await dataRoot();
    const avail = disk?.avail ?? Infinity; // not readable here: no floor, the bound still holds
    const out = output();
    if (!/^Step \d+\/\d+ : /m.test(out)) {
      used0 ??= disk?.used ?? null;
      return { written: disk && used0 !== null ? Math.max(0, disk.used - used0) : 0, avail };
    }
    const { running, layers } = legacySteps(out);
    let written = 0;
    for (const stage of layers) {
      for (let i = 1; i < stage.length; i++) written += Math.max(0, (await size(stage[i]!)) - (await size(stage[i - 1]!)));
    }
    if (running) written += await stepWrote(running);
    return { written, avail };
  };
}

/**
 * Run a build command (docker build, compose build) with its writes bounded to `limitMb`: read
 * four times a second; past the bound, or past the disk's floor, the build is stopped (its step container
 * removed, the client ended) and `overDisk` says why.
 */
export async function runWatchedBuild(file: string, args: string[],
  o: { cwd: string; env?: Record<string, string>; timeoutMs: number; limitMb: number }): Promise<Watched> {
  const t0 = performance.now();
  const bg = start(file, args, { cwd: o.cwd, env: o.env, maxLifeMs: o.timeoutMs + 5000 });
  const output = () => { const x = bg.output(); return x.stdout + x.stderr; };
  const read = writtenReader(output);
  let overDisk: string | undefined;
  let writtenMb = 0;
  let done: RunResult | null = null;
  const deadline = t0 + o.timeoutMs;
  while (!(done = await bg.exited(POLL_MS)) && performance.now() < deadline) {
    const { written, avail } = await read().catch(() => ({ written: 0, avail: Infinity }));
    writtenMb = Math.max(writtenMb, written / MB);
    if (written > o.limitMb * MB)
      overDisk = `the build wrote more than ${o.limitMb} MB (${Math.round(written / MB)} MB seen), the assignment's `
        + 'limits.imageMb: stopped';
    else if (avail < FLOOR_MB * MB)
      overDisk = `the engine's disk fell under ${FLOOR_MB} MB free while the build wrote ${Math.round(written / MB)} MB: stopped`;
    if (!overDisk) continue;
    const step = legacySteps(output()).running;
    if (step) await run(engineName(), ['rm', '-f', step], { check: false, timeoutMs: 30_000 });
    await bg.stop(2000);
    done = await bg.exited(5000);
    break;
  }
  const timedOut = !done;
  if (!done) {
    await bg.stop(2000);
    done = await bg.exited(5000);
  }
  const x = bg.output();
  // A build stopped (for its writes or its time) did not succeed, whatever its client said.
  return { command: bg.command, exitCode: overDisk || timedOut ? null : done!.exitCode, signal: done?.signal ?? null,
    stdout: x.stdout, stderr: x.stderr, durationMs: performance.now() - t0, timedOut, writtenMb: Math.round(writtenMb),
    ...(overDisk ? { overDisk } : {}) };
}
