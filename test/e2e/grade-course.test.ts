// A course's assignment in the vocabulary, graded where it could go wrong: a build's network as
// the assignment declares it (none refuses a download, registries allows the named ones only, open allows it), a submission that reaches
// for the host refused part by part while the rest is graded, services with no way out of their
// project, and a grader without root (docker group only) leaving nothing behind.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { chown, cp, mkdir, mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { lookup } from 'node:dns/promises';
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
  it('builds offline unless the assignment lets its builds reach registries (only those) or opens the network', { timeout: 300_000 }, async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'test-course-net-'));
    try {
      // Downloads while building: Debian's mirror answers containers here, as a registry would on a runner.
      const release = (from: string) => `http://${from}/debian/dists/bookworm/Release`;
      const mirror = (await lookup('deb.debian.org')).address;
      // Debian: offline, provision's Go image is one; where a registry answers, Debian's own.
      const offlineGo = (await run('docker', ['image', 'inspect', 'isolab/golang:latest'], { check: false, timeoutMs: 15_000 })).exitCode === 0;
      const debian = offlineGo ? 'isolab/golang:latest' : 'debian:bookworm-slim';
      const files: Record<string, string> = {
        'img/Dockerfile': `FROM busybox\nRUN wget -q -O /release ${release('deb.debian.org')}\nCMD ["head", "-c", "40", "/release"]\n`,
        // A package installed the way nearly every real Dockerfile does (the offline Go image is Debian's).
        'pkg/Dockerfile': `FROM ${debian}\nRUN apt-get update -qq && apt-get install -y -qq --no-install-recommends jq >/dev/null\n`
          + 'CMD ["jq", "--version"]\n',
        'other/Dockerfile': `FROM busybox\nRUN wget -q -O /release ${release('ftp.debian.org')}\n`,
        // Around the proxy, by address: no route out of the build's network.
        'bypass/Dockerfile': `FROM busybox\nRUN env -u http_proxy -u HTTP_PROXY wget -q -T 5 -O /release http://${mirror}/debian/dists/bookworm/Release\n`,
        'stack/docker-compose.yml': 'services:\n  app:\n    build: .\n    command: ["sh", "-c", "head -c 40 /release; sleep 600"]\n',
        'stack/Dockerfile': `FROM busybox\nRUN wget -q -O /release ${release('deb.debian.org')}\n`,
      };
      for (const [f, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(work, 'sub', f)), { recursive: true });
        await writeFile(path.join(work, 'sub', f), text);
      }
      const image = (name: string, check: string) => `  - name: ${name}\n    dir: ${name}\n    image: {}\n    checks:\n`
        + `      - id: built\n        ${check}\n        points: 1\n`;
      const parts = {
        img: image('img', 'run: { stdout: { contains: Debian } }'), pkg: image('pkg', 'run: { stdout: { contains: jq- } }'),
        other: image('other', 'image: { user: root }'), bypass: image('bypass', 'image: { user: root }'),
        stack: '  - name: stack\n    dir: stack\n    compose: { service: app }\n    ready: { log: { contains: Debian } }\n'
          + '    checks:\n      - id: built\n        logs: { contains: Debian }\n        points: 1\n',
      };
      const assignment = async (network: string, names: Array<keyof typeof parts>) => {
        const f = path.join(work, `${network}.yaml`);
        await writeFile(f, `name: downloads\nbuild: { network: ${network} }\nparts:\n${names.map((n) => parts[n]).join('')}`);
        return f;
      };
      const env = { ISOLAB_REPORTS: path.join(work, 'reports') };
      const grade = async (f: string) => {
        const r = await isolab(['grade', path.join(work, 'sub'), '--assignment', f, '--json'], env);
        expect(r.code, r.out).toBe(0);
        return items(r.stdout);
      };
      const offline = await grade(await assignment('none', ['img', 'pkg']));
      expect(offline['img.built']).toMatchObject({ earned: 0, why: expect.stringMatching(/did not build.*it said: wget: bad address/) });
      expect(offline['pkg.built']).toMatchObject({ earned: 0, why: expect.stringMatching(/did not build/) });
      const registriesRaw = await isolab(['grade', path.join(work, 'sub'), '--assignment',
        await assignment('registries', ['img', 'pkg', 'other', 'bypass', 'stack']), '--json'], env);
      expect(registriesRaw.code, registriesRaw.out).toBe(0);
      const registries = items(registriesRaw.stdout);
      // Offline, busybox is provision's stand-in: the grade says so (with a registry, it is the real one and says nothing).
      const ids = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', 'busybox:latest', 'isolab/busybox:latest'], { check: false, timeoutMs: 15_000 });
      const standIn = new Set(ids.stdout.trim().split('\n')).size === 1;
      expect((JSON.parse(registriesRaw.stdout) as { standIns?: string[] }).standIns ?? [])
        .toEqual(standIn ? expect.arrayContaining([expect.stringMatching(/^img: FROM busybox was isolab\/busybox:latest on this host/)]) : []);
      expect(registries['img.built']).toMatchObject({ earned: 1 });
      expect(registries['pkg.built']).toMatchObject({ earned: 1 });
      expect(registries['stack.built']).toMatchObject({ earned: 1 });
      expect(registries['other.built']).toMatchObject({ earned: 0,
        why: expect.stringMatching(/did not build.*asked for ftp\.debian\.org:80, not among the registries this assignment allows/) });
      expect(registries['bypass.built']).toMatchObject({ earned: 0, why: expect.stringMatching(/did not build/) });
      const open = await grade(await assignment('open', ['img']));
      expect(open['img.built']).toMatchObject({ earned: 1 });
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
