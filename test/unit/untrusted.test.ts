// The untrusted-submission policy: every form that reaches the grader's host is named with its
// file, line and rule before anything runs; a plain submission has no finding.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, mkdir, writeFile, cp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { inspectSubmission, lintDockerfile, containCompose } from '../../src/grade/untrusted.js';
import { parseDecisions, egressVerdict } from '../../src/grade/service/egress.js';
import { loadAssignment } from '../../src/grade/assignment.js';
import { refusals } from '../../src/grade/submission.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const a = loadAssignment();
let dir: string;

async function withCompose(body: string) {
  const sub = await mkdtemp(path.join(dir, 'sub-'));
  await cp(path.join(repo, 'fixtures/grading/sample'), sub, { recursive: true });
  await writeFile(path.join(sub, 'compose/docker-compose.yml'), body);
  return sub;
}
const svc = (extra: string) => `services:\n  server1:\n    build: .\n  client:\n    image: alpine\n${extra}`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'untrusted-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('inspectSubmission', () => {
  it('finds nothing in the sample', async () => {
    expect(await inspectSubmission(path.join(repo, 'fixtures/grading/sample'), a)).toEqual([]);
  });

  const hostile: Array<[string, string, string]> = [
    ['privileged', '    privileged: true\n', 'service-privileged'],
    ['cap_add', '    cap_add: [SYS_ADMIN]\n', 'service-cap_add'],
    ['devices', '    devices: ["/dev/sda:/dev/sda"]\n', 'service-devices'],
    ['pid: host', '    pid: host\n', 'service-pid'],
    ['ipc: host', '    ipc: host\n', 'service-ipc'],
    ['network_mode: host', '    network_mode: host\n', 'service-network_mode'],
    ['userns_mode', '    userns_mode: host\n', 'service-userns_mode'],
    ['uts', '    uts: host\n', 'service-uts'],
    ['security_opt', '    security_opt: [seccomp:unconfined]\n', 'service-security_opt'],
    ['sysctls', '    sysctls: {net.ipv4.ip_forward: 1}\n', 'service-sysctls'],
    ['cgroup_parent', '    cgroup_parent: /\n', 'service-cgroup_parent'],
    ['the host root', '    volumes: ["/:/host"]\n', 'host-path'],
    ['a parent folder', '    volumes: ["../..:/up"]\n', 'host-path'],
    ['the docker socket', '    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]\n', 'engine-socket'],
    ['long-syntax bind', '    volumes:\n      - type: bind\n        source: /etc\n        target: /etc2\n', 'host-path'],
    ['env_file outside', '    env_file: /etc/shadow\n', 'env-file'],
    ['an unknown key', '    runtime_magic: 1\n', 'service-runtime_magic'],
  ];
  for (const [name, extra, rule] of hostile) {
    it(`refuses ${name}, naming the line`, async () => {
      const sub = await withCompose(svc(extra));
      const f = await inspectSubmission(sub, a);
      expect(f.map((x) => x.rule)).toContain(rule);
      const hit = f.find((x) => x.rule === rule)!;
      expect(hit.file).toBe('compose/docker-compose.yml');
      expect(hit.line).toBeGreaterThanOrEqual(6);
      expect(hit.parts).toEqual(['compose']);
    });
  }

  it('refuses a build context or dockerfile outside, and build.network: host', async () => {
    const sub = await withCompose('services:\n  server1:\n    build:\n      context: ../hello\n      network: '
      + 'host\n  client:\n    image: alpine\n');
    const rules = (await inspectSubmission(sub, a)).map((x) => x.rule);
    expect(rules).toEqual(expect.arrayContaining(['build-context', 'build-network-host']));
  });

  it('refuses external networks and driver options that bind host paths', async () => {
    const sub = await withCompose(`${svc('')}networks:\n  outside:\n    external: true\nvolumes:\n  data:\n    `
      + `driver_opts: {type: none, device: /, o: bind}\n`);
    const rules = (await inspectSubmission(sub, a)).map((x) => x.rule);
    expect(rules).toEqual(expect.arrayContaining(['network-external', 'volume-driver_opts']));
  });

  it('refuses a symlink out of the submission, never following it', async () => {
    const sub = await withCompose(svc(''));
    await symlink('/etc/passwd', path.join(sub, 'hello/hello.sh.link'));
    await symlink('../compose/server.go', path.join(sub, 'hello/inside.go')); // inside: fine
    const f = await inspectSubmission(sub, a);
    expect(f.map((x) => `${x.rule} ${x.file}`)).toEqual(['symlink-outside hello/hello.sh.link']);
    expect(refusals(f).get('image.layers')).toMatch(/hello\/hello.sh.link: symlink to \/etc\/passwd/);
    expect(refusals(f).has('compose.service-dns')).toBe(false);
  });

  it('refuses RUN --network=host and --security=insecure in a Dockerfile, with its line', async () => {
    const sub = await withCompose(svc(''));
    await writeFile(path.join(sub, 'compose/Dockerfile'),
      'FROM golang:alpine AS b\nRUN --network=host wget x\nRUN --security=insecure true\nFROM alpine\n');
    const f = (await inspectSubmission(sub, a)).filter((x) => x.file === 'compose/Dockerfile');
    expect(f.map((x) => [x.rule, x.line])).toEqual([['build-network-host', 2], ['build-insecure', 3]]);
    expect(f[0]!.parts.sort()).toEqual(['compose', 'multistage']);
  });

  it('refuses a FIFO (it would hang a copy)', async () => {
    const sub = await withCompose(svc(''));
    await mkdir(path.join(sub, 'hello/x'));
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(sub, 'hello/x/pipe')]);
    expect((await inspectSubmission(sub, a)).map((x) => x.rule)).toEqual(['special-file']);
  });
});

describe('lintDockerfile', () => {
  it('allows the lecture\'s files and docker/dockerfile syntax, refuses remote ADD and other frontends', () => {
    expect(lintDockerfile('# syntax=docker/dockerfile:1\nFROM alpine\nADD hello.sh .\n')).toEqual([]);
    expect(lintDockerfile('# syntax=evil/frontend\nFROM alpine\nADD https://example.invalid/x /x\n').map((f) =>
      f.rule)).toEqual(['dockerfile-frontend', 'build-remote-add']);
  });
});

describe('containCompose', () => {
  it('adds limits, no-new-privileges, capped logs and internal networks; strips ports and names', () => {
    const { text, stripped } = containCompose(svc('    ports: ["8081:8081"]\n    container_name: fixed\n    mem_limit: 8g\n'), a, 'v1');
    const y = parse(text);
    expect(y.version).toBe('2.4');
    expect(y.services.client).toMatchObject({ mem_limit: '256m', memswap_limit: '256m', pids_limit: 128, cpus: 1,
      security_opt: ['no-new-privileges:true'] });
    expect(y.services.client.ports).toBeUndefined();
    // The host gets no address on the project's bridge: its ports are not reachable through the gateway.
    expect(y.networks.default).toEqual({ internal: true, driver_opts: { 'com.docker.network.bridge.inhibit_ipv4': 'true' } });
    expect(stripped).toEqual(['services.client.ports', 'services.client.container_name']);
    expect(parse(containCompose(svc(''), a, 'v2').text).version).toBeUndefined();
    // A service's build gets no network, whether its file says `build: .` or a build object.
    expect(y.services.server1.build).toEqual({ context: '.', network: 'none' });
    expect(parse(containCompose('services:\n  s:\n    build: { context: app, dockerfile: D }\n', a, 'v2').text).services.s.build)
      .toEqual({ context: 'app', dockerfile: 'D', network: 'none' });
    // An assignment that opens the build's network: the engine's default, never the host's.
    expect(parse(containCompose('services:\n  s:\n    build: app\n', a, 'v2', { buildNetwork: 'open' }).text).services.s.build)
      .toEqual({ context: 'app', network: 'default' });
    // Registries: the build's own network and the proxy's arguments, beside the student's own (list or map).
    const via = { network: 'isolab-x-build', args: { HTTP_PROXY: 'http://10.0.0.2:3128' } };
    expect(parse(containCompose('services:\n  s:\n    build: { context: app, args: ["A=1=2"] }\n', a, 'v2', { buildNetwork: via }).text)
      .services.s.build).toEqual({ context: 'app', network: 'isolab-x-build', args: { A: '1=2', HTTP_PROXY: 'http://10.0.0.2:3128' } });
    // A student's own HTTP_PROXY does not steer the build elsewhere: the grader's wins.
    expect(parse(containCompose('services:\n  s:\n    build: { context: ., args: { HTTP_PROXY: "http://evil:1" } }\n', a, 'v2',
      { buildNetwork: via }).text).services.s.build.args).toEqual({ HTTP_PROXY: 'http://10.0.0.2:3128' });
  });
});

describe('the egress proxy\'s decisions (images/egress/main.go writes one line each)', () => {
  const log = ['listening on :3128; registries: deb.debian.org', 'allowed GET deb.debian.org:80', 'allowed GET deb.debian.org:80',
    'refused GET ftp.debian.org:80 (not a registry the assignment allows)',
    'unreachable nosuch.debian.org:80: lookup nosuch.debian.org on 10.0.0.53:53: no such host',
    'unreachable pypi.org:443: dial tcp 151.101.0.223:443: i/o timeout'].join('\n');
  it('reads what it let through, refused and could not reach', () => {
    expect(parseDecisions(log)).toEqual({ allowed: ['deb.debian.org:80'], refused: ['ftp.debian.org:80'],
      unknown: ['nosuch.debian.org:80 (lookup nosuch.debian.org on 10.0.0.53:53: no such host)'],
      unreachable: ['pypi.org:443 (dial tcp 151.101.0.223:443: i/o timeout)'] });
  });
  it('blames the submission for a host it was not allowed or a name that does not exist, the grading host for a registry that did not answer', () => {
    expect(egressVerdict(parseDecisions(log), ['deb.debian.org']).student).toMatch(/asked for ftp\.debian\.org:80, not among .*\(deb\.debian\.org\)/);
    expect(egressVerdict(parseDecisions(log.split('\n').filter((l) => !l.startsWith('refused')).join('\n')), []).student).toMatch(/no such host/);
    expect(egressVerdict(parseDecisions(log.split('\n').filter((l) => !/^(refused|unreachable nosuch)/.test(l)).join('\n')), []))
      .toEqual({ host: expect.stringMatching(/did not answer the grading host: pypi\.org:443/) });
    expect(egressVerdict(parseDecisions('allowed GET deb.debian.org:80'), [])).toEqual({});
  });
});
