// A course's assignment in the vocabulary, graded where it could go wrong: a build's network as
// the assignment declares it (none refuses a download, open allows it), a submission that reaches
// for the host refused part by part while the rest is graded, services with no way out of their
// project, and a grader without root (docker group only) leaving nothing behind.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { chown, cp, mkdir, mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentHost } from '../../src/claims/current-host.js';
import { requireRoot } from '../controls/gate.js';
import { run } from '../../src/core/exec.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const host = await currentHost();
const ready = !!host.docker && !!host.compose && !!host.images.busybox;

function isolab(args: string[], env: Record<string, string> = {}, prefix: string[] = []): Promise<{ code: number | null; out: string; stdout: string }> {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR', 'ISOLAB_RUN_ID', 'ISOLAB_SUBMISSION']) delete e[k];
  const argv = [...prefix, process.execPath, path.join(repo, 'bin/isolab.js'), ...args];
  return new Promise((resolve) => {
    const p = spawn(argv[0]!, argv.slice(1), { env: e, cwd: repo });
    let out = '';
    let stdout = '';
    p.stdout.on('data', (d) => { out += d; stdout += d; });
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => resolve({ code, out, stdout }));
  });
}

const items = (stdout: string) => Object.fromEntries((JSON.parse(stdout) as { items: Array<{ check: string; earned: number; why?: string }> })
  .items.map((i) => [i.check, i]));

describe.skipIf(!requireRoot() || (!ready && process.env.CI !== 'true'))('a course\'s assignment, graded contained', () => {
  it('builds offline unless the assignment opens the build\'s network', { timeout: 200_000 }, async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'test-course-net-'));
    try {
      await mkdir(path.join(work, 'sub', 'img'), { recursive: true });
      // A download while building: Debian's mirror answers containers here, as a registry would on a runner.
      await writeFile(path.join(work, 'sub', 'img', 'Dockerfile'),
        'FROM busybox\nRUN wget -q -O /release http://deb.debian.org/debian/dists/bookworm/Release\nCMD ["head", "-c", "40", "/release"]\n');
      const assignment = (network: string) => `name: downloads\nbuild: { network: ${network} }\nparts:\n  - name: img\n    dir: img\n`
        + '    image: {}\n    checks:\n      - id: built\n        run: { stdout: { contains: Debian } }\n        points: 1\n';
      await writeFile(path.join(work, 'none.yaml'), assignment('none'));
      await writeFile(path.join(work, 'open.yaml'), assignment('open'));
      const env = { ISOLAB_REPORTS: path.join(work, 'reports') };
      const offline = await isolab(['grade', path.join(work, 'sub'), '--assignment', path.join(work, 'none.yaml'), '--json'], env);
      expect(offline.code, offline.out).toBe(0);
      expect(items(offline.stdout)['img.built']).toMatchObject({ earned: 0, why: expect.stringMatching(/did not build.*it said: wget: bad address/) });
      const open = await isolab(['grade', path.join(work, 'sub'), '--assignment', path.join(work, 'open.yaml'), '--json'], env);
      expect(open.code, open.out).toBe(0);
      expect(items(open.stdout)['img.built']).toMatchObject({ earned: 1 });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('refuses the part that reaches for the host, grades the rest; a service cannot reach the host through its bridge', { timeout: 200_000 }, async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'test-course-hostile-'));
    try {
      const sub = path.join(work, 'sub');
      await mkdir(path.join(sub, 'svc'), { recursive: true });
      await mkdir(path.join(sub, 'stack'), { recursive: true });
      await writeFile(path.join(sub, 'svc', 'Dockerfile'), 'FROM busybox\nCMD ["sh", "-c", "gw=$(ip route | awk \'/default/ {print $3}\'); '
        + 'if ping -c 1 -W 2 $gw; then echo reached-host; else echo no-way-out; fi; echo tried $gw; sleep 60"]\n');
      await writeFile(path.join(sub, 'stack', 'docker-compose.yml'),
        'services:\n  web:\n    image: busybox\n    privileged: true\n    volumes:\n      - /:/host\n');
      await writeFile(path.join(work, 'a.yaml'), `name: hostile
parts:
  - name: svc
    dir: svc
    image: {}
    ready: { log: { contains: tried }, within: 20 }
    checks:
      - id: no-way-out
        logs: { excludes: reached-host, contains: no-way-out }
        points: 1
  - name: stack
    dir: stack
    compose: {}
    checks:
      - id: up
        compose-file: { services: [web] }
        points: 2
`);
      const r = await isolab(['grade', sub, '--assignment', path.join(work, 'a.yaml'), '--json'], { ISOLAB_REPORTS: path.join(work, 'reports') });
      expect(r.code, r.out).toBe(0);
      const it = items(r.stdout);
      expect(it['svc.no-way-out']).toMatchObject({ earned: 1 });
      expect(it['stack.up']).toMatchObject({ earned: 0, verdict: 'refused' });
      expect(it['stack.up']?.why).toMatch(/stack\/docker-compose\.yml:4: services\.web\.privileged/);
      expect(it['stack.up']?.why).toMatch(/stack\/docker-compose\.yml:6: services\.web\.volumes\[0\] binds a host path/);
      const res = JSON.parse(await readFile(path.join(work, 'reports', 'latest', 'results.json'), 'utf8'));
      expect(res.leaks).toEqual([]);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('a grader without root (docker group only) grades the notes stack, wipes its data and leaves nothing', { timeout: 200_000 }, async () => {
    const gid = /^docker:x:(\d+):/m.exec(await readFile('/etc/group', 'utf8'))?.[1];
    if (!gid) throw new Error('no docker group on this host (provisioning installs docker.io, which makes it)');
    const home = await mkdtemp(path.join(tmpdir(), 'grade-course-student-'));
    await chown(home, 65534, 65534);
    await chmod(home, 0o755);
    try {
      const ex = path.join(home, 'notes-stack');
      await cp(path.join(repo, 'examples/assignments/notes-stack'), ex, { recursive: true });
      await run('chown', ['-R', '65534:65534', ex]);
      const r = await isolab(['grade', path.join(ex, 'submissions/good'), '--assignment', path.join(ex, 'assignment.yaml')],
        { HOME: home, ISOLAB_REPORTS: path.join(home, 'reports'), CI: 'false' },
        ['setpriv', '--reuid=65534', '--regid=65534', `--groups=${gid}`, '--inh-caps=-all', '--']);
      expect(r.code, r.out).toBe(0);
      expect(r.out.trim().split('\n').pop()).toBe('score: 11/11');
      const res = JSON.parse(await readFile(path.join(home, 'reports', 'latest', 'results.json'), 'utf8'));
      expect(res.leaks).toEqual([]);
      expect((await run('sh', ['-c', `ls -d ${tmpdir()}/isolab-${res.run.id}-* 2>/dev/null | wc -l`])).stdout.trim()).toBe('0');
    } finally {
      await run('rm', ['-rf', home]);
    }
  });
});
