// The engine stops answering in the middle of a run. The run is pointed at the engine through a
// socket of this test's (DOCKER_HOST), which it closes once a build has started: to the run that
// is an engine that died mid-build, while the real engine — and every other user of it — goes
// on. The run must say so once, give the claims it stopped `error` (never `fail`), exit 3, and
// leave nothing that `isolab clean` does not then remove: the run's containers and images, and
// the builder's step containers and untagged images, which no name ties to the run.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/core/exec.js';
import { newRunId } from '../../src/core/names.js';
import { runsDir } from '../../src/core/runs.js';
import { currentHost } from '../../src/claims/current-host.js';
import { requireRoot } from '../controls/gate.js';
import { engineSocket } from './engine-socket.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(repo, 'bin/isolab.js');
const host = await currentHost();

function isolab(args: string[], env: NodeJS.ProcessEnv) {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR']) delete e[k];
  const p = spawn(process.execPath, [BIN, ...args], { env: e, cwd: repo });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  return new Promise<{ code: number | null; out: string }>((resolve) => p.on('exit', (code) => resolve({ code, out })));
}

const journals = async (id: string) =>
  (await readdir(path.join(runsDir(), 'builds')).catch(() => [] as string[])).filter((f) => f.startsWith(`${id}-`));

// The socket sees the legacy builder's steps; BuildKit's travel in a session it cannot read.
describe.skipIf(!requireRoot() || host.docker?.name !== 'docker' || host.builder !== 'legacy')('the engine stops answering mid-run', () => {
  it('claims it stopped are `error`, said once, exit 3; `isolab clean` then leaves nothing of the run', { timeout: 240_000 }, async () => {
    const id = newRunId();
    const reports = await mkdtemp(path.join(tmpdir(), 'engine-gone-'));
    const socket = await engineSocket();
    try {
      // A course's image scenario whose RUN step no cache holds (a nonce) and that lasts: the engine
      // goes while it runs, after the step before it made an image — and image.layers beside it.
      const course = path.join(reports, 'course');
      await mkdir(path.join(course, 'slow'), { recursive: true });
      await writeFile(path.join(course, 'slow', 'hello.sh'), 'echo Hallo\n');
      await writeFile(path.join(course, 'slow', 'Dockerfile'),
        `FROM alpine\nRUN echo ${id} > /nonce\nRUN sleep 20\nADD hello.sh .\nCMD ["sh", "hello.sh"]\n`);
      await writeFile(path.join(course, 'slow.yaml'),
        'kind: image\nscenarios:\n  - { claim: image.layers, name: a slow build, dir: slow, expect: { output: '
        + 'Hallo, layersOverBase: 3 } }\n');
      const done = isolab(['run', '--scenarios', course, '--claim', 'image.layers'],
        { ISOLAB_RUN_ID: id, ISOLAB_REPORTS: reports, DOCKER_HOST: socket.host });
      const started = await Promise.race([socket.stepRunning.then(() => true), done.then(() => false)]);
      expect(started, 'no build step ran through the socket').toBe(true);
      await socket.kill();
      const r = await done;
      const res = JSON.parse(await readFile(path.join(reports, 'latest', 'results.json'), 'utf8'));
      expect(r.code, r.out).toBe(3);
      expect(res.summary.failed, r.out).toBe(0);
      expect(res.claims.map((c: { verdict: string }) => c.verdict)).toContain('error');
      for (const c of res.claims) expect(['pass', 'error'], `${c.id}: ${c.reason}`).toContain(c.verdict);
      expect(res.incomplete).toHaveLength(1);
      expect(res.incomplete[0]).toMatchObject({ kind: 'engine', reason: 'the Docker engine stopped answering' });
      expect(r.out.match(/the run did not complete — the Docker engine stopped answering at \d+ s/g)).toHaveLength(1);
      // Said once, as the engine's: no stack, no code frame, no serialized error, no missing image.
      expect(r.out).not.toMatch(/^\s+at |\.ts:\d+:\d+|Serialized Error|is not present and no registry/m);
      expect(await readFile(path.join(reports, 'latest', 'junit.xml'),
        'utf8')).toMatch(/<error message="[^"]*could not be judged: the Docker engine stopped answering/);
      // What the builds made, as the run wrote it down (the engine could not be asked at the end).
      const listed = await Promise.all((await journals(id)).map(async (f) =>
        JSON.parse(await readFile(path.join(runsDir(), 'builds', f), 'utf8'))));
      expect(listed.length, 'no build journal left for isolab clean').toBeGreaterThan(0);
      const cleaned = await isolab(['clean'], {});
      expect(cleaned.code, cleaned.out).toBe(0);
      // the step before the slow one made an untagged image (labelled with the run's cache scope:
      // removed with the run's cached layers, or from the journal), and the slow step's container was there
      expect(cleaned.out).toMatch(new RegExp(`removed build image \\w+ \\(untagged|removed build cache run ${id}: [1-9]\\d* layer`));
      expect(listed.flatMap((j) => j.containers).length).toBeGreaterThan(0);
      const ps = await run('docker', ['ps', '-a', '--format', '{{.Names}} {{.ID}}'], { timeoutMs: 15_000 });
      expect(ps.stdout).not.toMatch(new RegExp(`isolab-${id}-`));
      for (const j of listed) for (const c of j.containers) expect(ps.stdout, `step container ${c}`).not.toContain(c.slice(0, 12));
      const imgs = await run('docker', ['images', '-a', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'],
        { timeoutMs: 15_000 });
      expect(imgs.stdout).not.toMatch(new RegExp(`isolab-${id}-`));
      // Every image the builds named is gone or still tagged (a base image such as alpine).
      for (const j of listed) for (const i of j.images) {
        const line = imgs.stdout.split('\n').find((l) => l.includes(i));
        if (line) expect(line, `untagged image ${i} of the run`).not.toMatch(/^<none>/);
      }
      expect(await journals(id)).toEqual([]);
    } finally {
      await socket.kill();
      await isolab(['clean'], {});
      await rm(reports, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!requireRoot() || host.docker?.name !== 'docker')('a grade the engine fails under', () => {
  it('records no score: the grade says it is incomplete and why; --batch grades that student again', { timeout: 300_000 }, async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'engine-gone-grade-'));
    const socket = await engineSocket();
    try {
      await mkdir(path.join(out, 'class'));
      await run('cp', ['-r', path.join(repo, 'fixtures/grading/sample'), path.join(out, 'class', 'alice')], { timeoutMs: 10_000 });
      const batch = (env: NodeJS.ProcessEnv) =>
        isolab(['grade', '--batch', path.join(out, 'class'), '--out', path.join(out, 'grades'), '--format', 'gradescope'], env);
      // The engine goes as the first container is created (the images are built by then).
      const first = batch({ DOCKER_HOST: socket.host });
      const created = await Promise.race([socket.creating.then(() => true), first.then(() => false)]);
      expect(created, 'the grade created no container through the socket').toBe(true);
      await socket.kill();
      const r1 = await first;
      expect(r1.code, r1.out).toBe(3);
      expect(r1.out).toMatch(/alice … incomplete — no score \(the Docker engine stopped answering at \d+ s/);
      const csv = () => readFile(path.join(out, 'grades', 'grades.csv'), 'utf8');
      expect(await csv(), await csv()).toMatch(/^alice,[^\n]*,incomplete,"?the Docker engine stopped answering/m);
      const dirs = await readdir(path.join(out, 'grades', 'alice'));
      const graded = JSON.parse(await readFile(path.join(out, 'grades', 'alice',
        dirs.find((d) => d.endsWith('-grade'))!, 'results.json'), 'utf8'));
      expect(graded.grade.incomplete[0]).toMatch(/the Docker engine stopped answering/);
      expect(graded.grade.items.filter((i: { verdict: string }) => i.verdict === 'error').length).toBeGreaterThan(0);
      expect(graded.grade.items.every((i: { verdict: string; hint?: string }) => i.verdict !== 'error' || !i.hint)).toBe(true);
      expect(await readdir(path.join(out, 'grades', 'alice', 'latest')).catch(() => [])).not.toContain('gradescope.json');
      // The engine back: the next --batch run grades alice again, and only then is there a score.
      const r2 = await batch({});
      expect(r2.code, r2.out).toBe(0);
      expect(r2.out).toMatch(/grading again 1 student\(s\) whose grade was incomplete: alice/);
      const rows = (await csv()).trim().split('\n');
      expect(rows).toHaveLength(2);
      expect(rows[1]).toMatch(/^alice,.*,11,11,graded,/);
    } finally {
      await socket.kill();
      await isolab(['clean'], {});
      await rm(out, { recursive: true, force: true });
    }
  });
});
