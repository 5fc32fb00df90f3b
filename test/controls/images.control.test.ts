// Negative controls for the image and compose claims, and bad input: a changed input misses
// the cache, a single-stage build fails the size check, a client pointed at a wrong service
// fails, and broken files fail with the engine's own words — never a hang, nothing left.
import { describe, it, expect, afterEach } from 'vitest';
import { writeFile, copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ledger } from '../../src/core/ledger.js';
import { workspace, requireFiles } from '../../src/core/fs.js';
import { buildImage, imageSize, BuildError } from '../../src/docker/build.js';
import { composeProject } from '../../src/docker/compose.js';
import { currentHost } from '../../src/claims/current-host.js';
import { requireRoot } from './gate.js';
import { defaultTagChecks } from '../../suites/compose/default-tag.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const ledger = new Ledger('image-controls');
afterEach(async () => void (await ledger.undoAll()));
const host = await currentHost();
const builder = host.builder ?? 'legacy';
const ready = !!host.docker && !!host.compose && !!host.images.busybox && (!!host.images.go || host.registry);

describe.skipIf(!requireRoot() || !ready)('image and compose negative controls', () => {
  it('a changed input misses the cache', async () => {
    const ws = await workspace(ledger, path.join(repo, 'fixtures/lecture/hello'), 'ctl-cache');
    const a = await buildImage(ledger, ws, { label: 'ctl-a', builder });
    await writeFile(path.join(ws, 'hello.sh'), '#!/bin/sh\necho "Servus"\n');
    const b = await buildImage(ledger, ws, { label: 'ctl-b', builder });
    expect(b.steps.filter((s) => !/^FROM/i.test(s.instruction)).every((s) => s.cached)).toBe(false);
    expect(b.id).not.toBe(a.id);
  });

  it('a single-stage build fails the 5% size check', { timeout: 120_000 }, async () => {
    const ws = await workspace(ledger, path.join(repo, 'fixtures/scenarios/single-stage'), 'ctl-single');
    await copyFile(path.join(repo, 'fixtures/lecture/compose/server.go'), path.join(ws, 'server.go'));
    const img = await buildImage(ledger, ws, { label: 'ctl-single', builder });
    const ratio = (await imageSize(img.tag)) / (await imageSize('golang:alpine'));
    expect(ratio).toBeGreaterThan(0.05);
  });

  it('a client pointed at a wrong service name fails', { timeout: 120_000 }, async () => {
    const ws = await workspace(ledger, path.join(repo, 'fixtures/lecture/compose'), 'ctl-compose');
    await writeFile(path.join(ws, 'wrong.yml'),
      "version: '3'\nservices:\n  client:\n    command: sh -c \"echo hallo | nc -w 2 server2 8081\"\n");
    const p = await composeProject(ledger, host.compose!, ws, ['docker-compose.yml', 'wrong.yml'], 'ctl-wrong');
    const up = await p.cmd(['up', '--build', '--abort-on-container-exit', '--exit-code-from', 'client'], 120_000);
    expect(up.exitCode).not.toBe(0);
    expect(await p.logs('server1')).not.toMatch(/hallo/);
  });

  it('a Dockerfile that fails to build fails with the engine\'s error, leaving no image', async () => {
    const ws = await workspace(ledger, path.join(repo, 'fixtures/lecture/hello'), 'ctl-broken');
    await writeFile(path.join(ws, 'Dockerfile'), 'FROM alpine\nRUN exit 7\n');
    const err = await buildImage(ledger, ws, { label: 'ctl-broken', builder }).catch((e) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect(err.message).toMatch(/non-zero code: 7|exit code: 7/);
  });

  it('a compose file with a syntax error or an unknown service fails with compose\'s words', async () => {
    const ws = await workspace(ledger, path.join(repo, 'fixtures/lecture/compose'), 'ctl-yaml');
    await copyFile(path.join(ws, 'docker-compose.yml'), path.join(ws, 'ok.yml'));
    await writeFile(path.join(ws, 'docker-compose.yml'),
      (await readFile(path.join(ws, 'ok.yml'), 'utf8')).replace('services:', 'services:\n  - broken: [\n'));
    const p = await composeProject(ledger, host.compose!, ws, ['docker-compose.yml'], 'ctl-yaml');
    const r = await p.cmd(['config'], 30_000);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/yaml|parse|expected/i);
    const q = await composeProject(ledger, host.compose!, ws, ['ok.yml'], 'ctl-unknown');
    const u = await q.cmd(['up', '--no-start', 'no-such-service'], 30_000);
    expect(u.exitCode).not.toBe(0);
    expect(u.stdout + u.stderr).toMatch(/no such service|no-such-service/i);
  });

  it('a missing fixture file is named', async () => {
    await expect(requireFiles(path.join(repo, 'fixtures/lecture/hello'), ['Dockerfile', 'nope.sh'],
      'the hello image')).rejects.toThrow(/the hello image: missing "nope.sh"/);
  });
});

describe('image.default-tag negative control', () => {
  // What the claim's runs printed here (Docker 20.10), and the same runs swapped: an engine that
  // ran v1 for the bare name, or ran v1 when :latest was gone.
  const latest = { exit: 0, out: 'latest', err: '' };
  const v1 = { exit: 0, out: 'v1', err: '' };
  const missing = { exit: 125, out: '', err: 'docker: Error response from daemon: No such image: isolab-d09k27-deftag:latest' };
  // Podman 5.4 (the trixie guest) names no tag in its not-found; a run failing for another reason.
  const podmanMissing = { exit: 125, out: '', err: 'Error: isolab-k4lxd2-deftag: image not known' };
  const otherError = { exit: 125, out: '', err: 'docker: Error response from daemon: failed to create shim task' };
  const failing = (gone: typeof v1) =>
    defaultTagChecks({ bare: latest, tagged: v1, bareId: 'sha256:a', latestId: 'sha256:a', gone }).filter((c) => !c.ok);
  const NOT_FOUND = 'with no :latest the bare name is not found (never another tag)';
  it('holds on what the engine did, fails on each swap', () => {
    expect(failing(missing)).toEqual([]);
    expect(failing(podmanMissing)).toEqual([]);
    expect(failing(otherError).map((c) => c.what)).toEqual([NOT_FOUND]);
    const wrong = defaultTagChecks({ bare: v1, tagged: latest, bareId: 'sha256:b', latestId: 'sha256:a', gone: v1 });
    expect(wrong.filter((c) => !c.ok).map((c) => c.what)).toEqual([
      'no tag runs :latest', 'the engine resolves the bare name to name:latest', 'name:v1 runs the other image',
      NOT_FOUND,
    ]);
  });
});
