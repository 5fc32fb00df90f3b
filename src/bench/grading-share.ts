// The harness's share of grading a course's assignment: each example of examples/assignments/
// graded warm (its good submission, an `isolab grade` in its own process, after one grade that
// warms the engine's cache), beside the same work done with bare engine commands in the same run
// — the builds, the containers and the compose project up, the probe's requests, the restarts
// and stops its checks make, nothing else. Share = (grade − bare) / grade; the target is ≤ 30%.
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../core/exec.js';
import { ROOT as repo, BIN } from '../core/paths.js';
import { envWith } from '../core/settings.js';
import { docker } from '../docker/cli.js';
import { until } from '../core/waits.js';
import { loadCourse, type CoursePart } from '../grade/course.js';
import { containCompose, NO_HOST_ADDRESS } from '../grade/untrusted.js';
import { containment, PROBE_IMAGE } from '../grade/service/runtime.js';
import { requestText } from '../grade/service/http.js';
import { newRunId } from '../core/names.js';
import type { BenchContext } from './types.js';
import type { HttpStep } from '../grade/checks/http.js';

export const SHARE_TARGET = 0.3;

/** Every request a part's checks make, in order (persist's with its restarts between). */
function stepsOf(part: CoursePart): Array<HttpStep | 'restart' | 'wipe' | { stop: number; service?: string }> {
  const out: Array<HttpStep | 'restart' | 'wipe' | { stop: number; service?: string }> = [];
  for (const c of part.checks) {
    const v = c.value as Record<string, unknown>;
    if (c.kind.name === 'http') out.push(...([] as HttpStep[]).concat(c.value as HttpStep));
    if (c.kind.name === 'persist') out.push(...v.write as HttpStep[], 'restart', ...v.kept as HttpStep[], ...(v.wiped ? ['wipe' as const, ...v.wiped as HttpStep[]] : []));
    if (c.kind.name === 'stop') out.push({ stop: v.within as number, service: v.service as string | undefined });
  }
  return out;
}

/** One part's work by bare engine commands: build or up, a probe, the requests, restarts, stop; then removed. */
async function bareWork(part: CoursePart, dir: string, compose: string[] | null, limits: Parameters<typeof containment>[0]): Promise<number> {
  const t0 = performance.now();
  const tag = `isolab-bench-${newRunId()}`;
  const own: Array<() => Promise<unknown>> = [];
  const probe = `${tag}-probe`;
  const ask = async (s: HttpStep, host: string) => docker(['exec', '-i', probe, 'timeout', '10', 'nc', '-w', '3', s.service ?? host,
    String(s.port ?? part.image?.port ?? part.compose?.port)], { input: requestText(s, s.service ?? host), check: false, timeoutMs: 15_000 });
  try {
    let host = part.image?.service ?? part.name;
    let up: () => Promise<void>;
    let down: (wipe: boolean) => Promise<void> = async () => undefined;
    if (part.compose) {
      const file = path.join(dir, part.compose.file ?? 'docker-compose.yml');
      await writeFile(file, containCompose(await readFile(file, 'utf8'), { limits }, compose![0] === 'docker-compose' ? 'v1' : 'v2').text);
      const c = (args: string[]) => run(compose![0]!, [...compose!.slice(1), '-p', tag, ...args], { cwd: dir, timeoutMs: 300_000 });
      own.push(() => c(['down', '--volumes', '--rmi', 'local', '--timeout', '2']));
      host = part.compose.service ?? '';
      up = async () => {
        await c(['up', '-d', '--build']);
        await docker(['run', '-d', '--name', probe, '--network', `${tag}_default`, PROBE_IMAGE, 'sleep', '600'], { timeoutMs: 30_000 });
      };
      down = async (wipe) => {
        await docker(['rm', '-f', probe], { check: false, timeoutMs: 30_000 });
        await c(['down', '--timeout', '5', ...(wipe ? ['--volumes'] : [])]);
      };
    } else {
      own.push(() => docker(['rmi', '-f', tag], { check: false, timeoutMs: 60_000 }));
      await docker(['build', '--network', 'none', '-q', '-t', tag, '-f', path.join(dir, part.image?.dockerfile ?? 'Dockerfile'), dir], { timeoutMs: 300_000 });
      await docker(['image', 'inspect', tag], { timeoutMs: 15_000 });
      // The image checks' reads of its files (a user's name in /etc/passwd, a file the assignment names).
      const files = part.checks.filter((c) => c.kind.name === 'image').flatMap((c) => {
        const v = c.value as { user?: string; file?: { path: string } };
        return [...(v.user === 'non-root' ? ['/etc/passwd'] : []), ...(v.file ? [v.file.path] : [])];
      });
      if (files.length) {
        await docker(['create', '--name', `${tag}-files`, tag, '/'], { timeoutMs: 30_000 });
        for (const f of files) await docker(['cp', `${tag}-files:${f}`, '-'], { check: false, timeoutMs: 30_000 });
        await docker(['rm', '-f', `${tag}-files`], { timeoutMs: 30_000 });
      }
      for (const c of part.checks.filter((x) => x.kind.name === 'run')) {
        const v = c.value as { args?: string[]; stdin?: string };
        await docker(['run', '--rm', '--network', 'none', ...containment(limits), ...(v.stdin !== undefined ? ['-i'] : []), tag, ...(v.args ?? [])],
          { check: false, timeoutMs: 60_000, input: v.stdin });
      }
      own.push(() => docker(['network', 'rm', `${tag}-net`], { check: false, timeoutMs: 30_000 }));
      await docker(['network', 'create', '--internal', '-o', `${NO_HOST_ADDRESS}=true`, `${tag}-net`], { timeoutMs: 30_000 });
      up = async () => {
        await docker(['run', '-d', '--name', `${tag}-svc`, ...containment(limits), '--network', `${tag}-net`, '--network-alias', host, tag],
          { timeoutMs: 30_000 });
        await docker(['run', '-d', '--name', probe, '--network', `${tag}-net`, PROBE_IMAGE, 'sleep', '600'], { timeoutMs: 30_000 });
      };
      own.push(() => docker(['rm', '-f', `${tag}-svc`], { check: false, timeoutMs: 30_000 }));
    }
    own.push(() => docker(['rm', '-f', probe], { check: false, timeoutMs: 30_000 }));
    const steps = stepsOf(part);
    const first = steps.find((s): s is HttpStep => typeof s === 'object' && 'path' in s);
    const ready = async () => { if (first) await until(async () => (await ask({ ...first, method: 'GET', body: undefined }, host)).stdout.startsWith('HTTP/'), { what: 'ready', timeoutMs: 30_000, everyMs: 300 }); };
    await up();
    await ready();
    for (const s of steps) {
      if (s === 'restart' || s === 'wipe') { await down(s === 'wipe'); await up(); await ready(); } else if ('stop' in s)
        await docker(['stop', '-t', String(s.stop), part.compose ? (await docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${tag}`,
          '--filter', `label=com.docker.compose.service=${s.service}`], { timeoutMs: 15_000 })).stdout.trim() : `${tag}-svc`], { check: false, timeoutMs: 60_000 });
      else await ask(s, host);
    }
  } finally {
    for (const undo of own.reverse()) await undo().catch(() => undefined);
  }
  return performance.now() - t0;
}

/** Images made since `before` (a multi-stage build's stages under the classic builder are untagged): removed. */
async function removeNew(before: Set<string>): Promise<void> {
  const now = (await docker(['images', '-a', '-q', '--no-trunc'], { timeoutMs: 15_000 })).stdout.split('\n').filter(Boolean);
  for (const id of now.filter((i) => !before.has(i))) await docker(['rmi', '-f', id], { check: false, timeoutMs: 30_000 });
}

export async function gradingShare(ctx: BenchContext) {
  const root = path.join(repo, 'examples', 'assignments');
  const rows = [];
  for (const name of (await readdir(root)).sort()) {
    const assignmentFile = path.join(root, name, 'assignment.yaml');
    const a = loadCourse(assignmentFile);
    // Script parts boot a VM per submission: what they cost is the boot and the script
    // (docs/measurements.md), with no bare engine commands to set beside them.
    if (a.parts.some((p) => p.script)) continue;
    const work = await mkdtemp(path.join(tmpdir(), `bench-share-${name}-`));
    ctx.ledger.add('tempdir', work, () => rm(work, { recursive: true, force: true }));
    const good = path.join(root, name, 'submissions', 'good');
    const gradeOnce = async (label: string) => {
      const env = { ...envWith({ reports: path.join(work, `reports-${label}`), runId: undefined, runDir: undefined, host: undefined }), NO_COLOR: '1' };
      const r = await run(process.execPath, [BIN, 'grade', good, '--assignment', assignmentFile], { check: false, timeoutMs: 600_000, env });
      return { ms: r.durationMs, score: /score: (\S+)$/m.exec(r.stdout)?.[1] ?? `exit ${r.exitCode}` };
    };
    ctx.progress(`grading share: ${name} (warming) …`);
    await gradeOnce('warm-up');
    ctx.progress(`grading share: ${name} …`);
    const graded = await gradeOnce('warm');
    let bareMs = 0;
    const compose = ctx.host.compose?.command ?? null;
    const before = new Set((await docker(['images', '-a', '-q', '--no-trunc'], { timeoutMs: 15_000 })).stdout.split('\n').filter(Boolean));
    try {
      for (const part of a.parts) {
        const copy = path.join(work, 'bare', part.name);
        await cp(path.join(good, part.dir), copy, { recursive: true });
        bareMs += await bareWork(part, copy, compose, a.limits);
      }
    } finally {
      await removeNew(before);
    }
    const share = (graded.ms - bareMs) / graded.ms;
    rows.push({ example: name, score: graded.score, gradeMs: Math.round(graded.ms), bareMs: Math.round(bareMs),
      harnessShare: Math.round(share * 1000) / 1000, withinTarget: share <= SHARE_TARGET });
  }
  return { target: SHARE_TARGET, rows };
}
