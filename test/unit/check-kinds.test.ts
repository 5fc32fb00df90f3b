// The vocabulary of grading checks: every kind fails its negative control (a part that does
// not do what the check asks) and passes its positive one, against a part that is data here;
// an assignment's mistakes are named by file:line and field; the schema file is the registry's.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { hops, parseHops } from '../../src/grade/checks/hops.js';
import { nat, peersOf } from '../../src/grade/checks/nat.js';
import { baseImages } from '../../src/grade/service/stand-ins.js';
import { KINDS, checkSchema } from '../../src/grade/checks/registry.js';
import type { PartRuntime, BuiltImage } from '../../src/grade/checks/kind.js';
import { parseCourse } from '../../src/grade/course.js';
import { parseAnswer, requestText } from '../../src/grade/service/http.js';
import { finalBase, isRoot } from '../../src/grade/checks/image.js';
import { firstTarEntry } from '../../src/grade/service/runtime.js';
import { SCHEMA_FILE } from '../../src/grade/schema-write.js';
import { DataFileError } from '../../src/core/data-file.js';

const IMAGE: BuiltImage = { ref: 'x', sizeBytes: 4e6, user: '10001', exposed: ['8080/tcp'], entrypoint: ['/srv'], cmd: null, workdir: '/app',
  env: { MODE: 'prod' }, labels: {}, dockerfile: 'FROM busybox AS b\nFROM scratch\n' };

/** A part as data: what each check would read of a real one. `good` does what is asked, the other does not. */
function fakePart(good: boolean): PartRuntime {
  let stored = 'OK';
  let wiped = false;
  return {
    name: 'p',
    file: async (rel) => (good && rel === 'README.md' ? 'run: docker compose up' : null),
    composeText: async () => (good ? 'services:\n  proxy: { ports: ["80:80"] }\n  app: {}\n  db: { volumes: ["./data:/data"] }\n'
      : 'services:\n  proxy: { ports: ["80:80"] }\n  app: { ports: ["8000:8000"] }\n'),
    image: async () => (good ? IMAGE : { ...IMAGE, user: '', sizeBytes: 90e6, exposed: [], dockerfile: 'FROM busybox\n' }),
    imageFile: async () => (good ? { mode: 0o644, type: 'file', text: 'hello' } : null),
    runOnce: async () => (good ? { exitCode: 0, stdout: 'v1.2.3\n', stderr: '', timedOut: false } : { exitCode: 2, stdout: '', stderr: 'no', timedOut: false }),
    up: async () => undefined,
    http: async (r) => {
      if (!good) return { error: 'p:8000 refused the connection' };
      if (r.method === 'POST') { stored = JSON.parse(r.body ?? '{}').text ?? r.body ?? ''; return { status: 201, reason: '', headers: {}, body: '' }; }
      return { status: 200, reason: 'OK', headers: {}, body: r.path === '/api/notes' ? (wiped ? '' : stored) : '{"status": "OK"}' };
    },
    tcp: async () => ({ open: good, said: good ? '' : 'refused' }),
    logs: async () => (good ? 'listening on 8000' : ''),
    restart: async ({ wipe }) => { if (wipe) wiped = true; else if (!good) stored = ''; },
    stop: async () => (good ? { ms: 300, exitCode: 0, killed: false } : { ms: 5100, exitCode: 137, killed: true }),
  };
}

describe('every kind of check', () => {
  // `claim` runs with the suites (each claim has its own negative control: test/controls); graded
  // the same as the lecture's rubric in test/e2e/grade.test.ts.
  // The kernel's kinds judge what their command printed inside the part's kernel.
  const kernelSaid: Record<string, string> = { reach: '1 packets received', sysctl: '1\n', command: 'default via 10.0.1.1 dev h1\n',
    hops: 'traceroute to 10.0.2.2 (10.0.2.2), 2 hops max, 46 byte packets\n 1  10.0.1.1  0.012 ms\n 2  10.0.2.2  0.004 ms\n',
    nat: 'ESTAB 0 0 192.0.2.2:8080 192.0.2.1:40312\n' };
  it.each(KINDS.filter((k) => k.inKernel).map((k) => [k.name, k] as const))('%s: judged an answer that holds, and one that does not',
    (_, kind) => {
      const j = kind.inKernel!;
      expect(j.command(kind.example.value as never)).toBeTruthy();
      expect(j.judge(kind.example.value as never, { exitCode: 0, stdout: kernelSaid[kind.name]!, stderr: '' }).checks.every((c) => c.ok)).toBe(true);
      expect(j.judge(kind.example.value as never, { exitCode: 1, stdout: '0\n', stderr: 'no' }).checks.some((c) => !c.ok)).toBe(true);
    });
  it.each(KINDS.filter((k) => k.name !== 'claim' && !k.inKernel).map((k) => [k.name, k] as const))('%s: its example holds on a part that does it and fails on one that does not',
    async (_, kind) => {
      const good = await kind.run(kind.example.value as never, fakePart(true));
      expect(good.checks.every((c) => c.ok), JSON.stringify(good.checks)).toBe(true);
      const bad = await kind.run(kind.example.value as never, fakePart(false));
      expect(bad.checks.some((c) => !c.ok), JSON.stringify(bad.checks)).toBe(true);
      expect(kind.title(kind.example.value as never)).toBeTruthy();
      expect(kind.hint(kind.example.value as never)).toBeTruthy();
    });

  it('hops: a path around the router, and one that stops at it, are not the path asked for', () => {
    const v = { from: 'ns1', to: '10.0.2.2', via: ['10.0.1.1'] };
    const judged = (out: string) => hops.inKernel!.judge(v, { exitCode: 0, stdout: out, stderr: '' });
    expect(judged(' 1  10.0.2.2  0.01 ms\n').checks.map((c) => c.ok)).toEqual([false, false]);
    expect(judged(' 1  10.0.1.1  0.01 ms\n 2  *\n').checks.map((c) => [c.ok, c.actual])).toEqual([[true, '10.0.1.1'], [false, '*']]);
    expect(parseHops(' 1  *\n 2  10.0.2.2  0.1 ms\n')).toEqual(['*', '10.0.2.2']);
    expect(hops.inKernel!.command(v)).toBe("ip netns exec 'ns1' busybox traceroute -n -I -q 1 -w 1 -m 2 '10.0.2.2'");
  });

  it('nat: the source a connection arrives from, half-open or established; the LAN\'s own address is not the router\'s', () => {
    expect(peersOf('SYN-RECV 0 0 192.0.2.2:8080 10.0.1.2:51000\nESTAB 0 0 [::ffff:192.0.2.2]:8080 [::ffff:192.0.2.1]:40000\n', 8080))
      .toEqual(['10.0.1.2', '192.0.2.1']);
    const v = { from: 'lan', to: '192.0.2.2', tcp: 8080, at: 'outside', seen: '192.0.2.1' };
    const judged = (out: string) => nat.inKernel!.judge(v, { exitCode: 0, stdout: out, stderr: '' }).checks[0]!;
    expect(judged('ESTAB 0 0 192.0.2.2:8080 10.0.1.2:51000\n')).toMatchObject({ ok: false, actual: '10.0.1.2' });
    expect(judged('')).toMatchObject({ ok: false, actual: 'nothing arrived on port 8080' });
    expect(nat.inKernel!.command(v)).toContain("ip netns exec 'outside' ss -Htn exclude listening '( sport = :8080 )'");
  });

  it('a Dockerfile\'s base images: not its own stages, not scratch, not an ARG', () => {
    expect(baseImages('ARG V=1\nFROM --platform=$BUILDPLATFORM golang:alpine AS build\nFROM build AS test\nFROM scratch\n'
      + 'COPY --from=build /x /x\nFROM alpine:${V}\nFROM BusyBox\n')).toEqual(['golang:alpine', 'busybox']);
  });

  it('schemas/assignment.schema.json has the registry\'s checks (npm run schema writes it)', () => {
    const file = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { $defs: { check: unknown } };
    expect(file.$defs.check).toEqual(checkSchema());
  });
});

describe('an assignment in the vocabulary', () => {
  const bad = (text: string) => { try { parseCourse(text, 'a.yaml'); return []; } catch (e) { return (e as DataFileError).problems ?? [String(e)]; } };
  it('names each mistake with its line and field', () => {
    const p = bad(`name: x
parts:
  - name: api
    dir: api
    image: { port: 8000 }
    checks:
      - htp: { path: / }
        points: 1
      - http: { path: nope }
        points: 1
      - http: { path: /, matches: "(" }
        points: 1
      - image: { maxMb: 5 }
      - stop: { within: 3 }
        points: 1
        id: a
      - tcp: { port: 1 }
        points: 1
        id: a
`);
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/^a\.yaml:7: .*names no kind of check \(unknown: htp\); kinds: file, compose-file/),
      expect.stringMatching(/^a\.yaml:9: parts\[0\]\.checks\[1\]\.http\.path: must match/),
      expect.stringMatching(/^a\.yaml:11: parts\[0\]\.checks\[2\]\.http\.matches: not a regular expression/),
      expect.stringMatching(/^a\.yaml:13: parts\[0\]\.checks\[3\]: "points" is required/),
      expect.stringMatching(/^a\.yaml:\d+: parts\[0\]\.checks\[5\]\.id: "a" names two checks of part api/),
    ]));
  });
  it('refuses a service check in a part with no image or compose project, and persist outside compose', () => {
    expect(bad('name: x\nparts:\n  - name: a\n    dir: a\n    checks:\n      - http: { path: / }\n        points: 1\n'))
      .toEqual([expect.stringMatching(/needs the part to declare an image or a compose project/)]);
    expect(bad('name: x\nparts:\n  - name: a\n    image: {}\n    checks:\n      - persist: { write: [{ path: / }], kept: [{ path: / }] }\n        points: 1\n'))
      .toEqual([expect.stringMatching(/persist needs a compose part/)]);
  });
  it('refuses a probe aimed at an address rather than a service of the project', () => {
    expect(bad('name: x\nparts:\n  - name: a\n    compose: {}\n    checks:\n      - http: { service: 172.17.0.1, path: / }\n        points: 1\n'))
      .toEqual([expect.stringMatching(/http\.service: must match/)]);
  });
  it('the template grade --init writes uses every kind; the lecture\'s assignment in the vocabulary, its claims', () => {
    const c = parseCourse(readFileSync('fixtures/grading/course.assignment.yaml', 'utf8'), 'template');
    expect(new Set(c.parts.flatMap((p) => p.checks.map((x) => x.kind.name)))).toEqual(new Set(KINDS.map((k) => k.name).filter((k) => k !== 'claim')));
    const l = parseCourse(readFileSync('fixtures/grading/lecture.parts.yaml', 'utf8'), 'lecture');
    expect(l.parts.flatMap((p) => p.checks.map((x) => [x.id, x.points]))).toEqual([['hello.layers', 2], ['hello.cache-hit', 1],
      ['hello.lifecycle', 1], ['multistage.size', 3], ['compose.service-dns', 2], ['compose.readiness', 1], ['compose.teardown', 1]]);
  });
  it('refuses a claim outside a lecture-shaped part, or of another part', () => {
    expect(bad('name: x\nparts:\n  - name: a\n    image: {}\n    checks:\n      - claim: image.layers\n        points: 1\n'))
      .toEqual(expect.arrayContaining([expect.stringMatching(/needs a lecture-shaped part/)]));
    expect(bad('name: x\nparts:\n  - name: a\n    lecture: { part: hello }\n    checks:\n      - claim: compose.teardown\n        points: 1\n'))
      .toEqual([expect.stringMatching(/compose\.teardown checks the lecture's compose part, not hello/)]);
    expect(bad('name: x\nparts:\n  - name: a\n    lecture: { part: hello, port: 1 }\n    checks:\n      - claim: image.layers\n        points: 1\n'))
      .toEqual([expect.stringMatching(/parts\[0\]\.lecture\.port: unknown field "port"/)]);
  });
  it('reads the example assignments', () => {
    for (const n of ['status-api', 'notes-stack', 'image-hygiene']) {
      const f = `examples/assignments/${n}/assignment.yaml`;
      expect(parseCourse(readFileSync(f, 'utf8'), f).parts.length).toBeGreaterThan(0);
    }
  });
});

describe('what the probe speaks and reads', () => {
  it('writes a request with its body\'s length and reads an answer', () => {
    expect(requestText({ method: 'post', path: '/a', body: '{"x":1}' }, 'api')).toBe(
      'POST /a HTTP/1.0\r\nHost: api\r\nConnection: close\r\nUser-Agent: isolab-grader\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"x":1}');
    expect(parseAnswer('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nno')).toEqual(
      { status: 404, reason: 'Not Found', headers: { 'content-type': 'text/plain' }, body: 'no' });
    expect(parseAnswer('SSH-2.0-OpenSSH\r\n')).toBeNull();
  });
  it('reads the final stage\'s base, a user\'s rootness and a tar entry', () => {
    expect(finalBase('FROM --platform=linux/amd64 golang AS b\nRUN x\nfrom scratch\n')).toBe('scratch');
    expect(isRoot('', null)).toBe(true);
    expect(isRoot('app', 'app:x:0:0::/:/bin/sh\n')).toBe(true);
    expect(isRoot('app', 'app:x:1000:1000::/:/bin/sh\n')).toBe(false);
    expect(isRoot('10001:10001', null)).toBe(false);
    const h = Buffer.alloc(1024);
    h.write('index.html', 0);
    h.write('0000644\0', 100);
    h.write('00000000005\0', 124);
    h.write('0', 156);
    h.write('hello', 512);
    expect(firstTarEntry(h)).toEqual({ mode: 0o644, type: 'file', text: 'hello' });
  });
});
