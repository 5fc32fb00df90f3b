// The lecture's Docker image slides that run what they build: save/untar/run and multi-stage
// size. Beside images.spec.ts: its own image tags, none built from the hello image's files.
import { writeFile, readFile, chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { engineName } from '../../src/core/engine-name.js';
import { claim } from '../../src/claims/claim.js';
import { workspace, requireFiles, scratchDir } from '../../src/core/fs.js';
import { run } from '../../src/core/exec.js';
import { docker, runToExit, runContainer, createNetwork } from '../../src/docker/cli.js';
import { buildImage, imageSize } from '../../src/docker/build.js';
import { saveImage, layerWith } from '../../src/docker/save.js';
import { sources, assignment, containment, graded, capped } from './sources.js';
import { builderTarget } from '../../src/docker/dockerfile.js';
import { mb, builder, buildSubmission, runBound } from './image-helpers.js';

claim('image.save-extract-run', { needs: ['docker', 'image.go'], timeoutMs: 120_000 }, async (c) => {
  const ws = await workspace(c.ledger, sources.staticHello, 'static-hello');
  const b = await buildImage(c.ledger, ws, { label: 'static-hello', builder: builder(c) });
  const inContainer = await runToExit(c.ledger, 'static-run', ['--network', 'none', b.tag]);
  const dir = await scratchDir(c.ledger, 'save', { sizeMb: 64 });
  const saved = await saveImage(b.tag, dir);
  const layer = await layerWith(saved, 'hello');
  const out = path.join(dir, 'extracted');
  await mkdir(out);
  if (layer) await run('tar', ['xf', layer, '-C', out, 'hello'], { timeoutMs: 30_000 });
  await chmod(path.join(out, 'hello'), 0o755).catch(() => undefined);
  const onHost = layer ? await run(path.join(out, 'hello'), [], { check: false, timeoutMs: 10_000 }) : null;
  c.evidence({
    summary: `${engineName()} save → ${saved.layout} layout with ${saved.layers.length} layer(s); ./hello `
      + `from ${layer ? path.relative(path.join(dir, 'unpacked'), layer).replace(/([0-9a-f]{12})[0-9a-f]{52}/, '$1…') : 'no layer'} on the host printed "${onHost?.stdout.trim()}", in a container "${inContainer.stdout.trim()}"`,
    layout: saved.layout, layers: saved.layers.map((l) => path.relative(dir, l)),
      layer: layer && path.relative(dir, layer), hostOutput: onHost?.stdout, containerOutput: inContainer.stdout,
  });
  c.verify([
    { ok: !!layer, what: 'a layer of the saved image holds the binary', expected: 'hello in a layer tar',
      actual: layer ? path.relative(dir, layer) : 'not found' },
    { ok: onHost?.exitCode === 0, what: 'the extracted binary runs on the host, outside any container',
      expected: 'exit 0', actual: onHost ? `exit ${onHost.exitCode} ${onHost.stderr}` : 'not run' },
    { ok: !!onHost && onHost.stdout === inContainer.stdout, what: 'with the same output as in the container',
      expected: inContainer.stdout.trim(), actual: onHost?.stdout.trim() },
  ]);
});

claim('image.multistage-size', { needs: ['docker', 'image.busybox', 'image.go'], timeoutMs: 180_000 }, async (c) => {
  await requireFiles(sources.multistage.dir, sources.multistage.files, 'the multi-stage build');
  const ws = await workspace(c.ledger, sources.multistage.dir, 'multistage');
  const final = await buildSubmission(c, ws, 'server');
  const target = builderTarget(await readFile(path.join(ws, 'Dockerfile'), 'utf8'));
  if (!target) throw new Error(`${path.join(assignment.multistage.dir, 'Dockerfile')} has a single stage: a `
    + `multi-stage build needs a build stage and a final stage that copies from it (COPY --from=…)`);
  const stage = await buildSubmission(c, ws, 'server-builder', target);
  const [finalSize, builderSize] = [await imageSize(final.tag), await imageSize(stage.tag)];
  const ratio = finalSize / builderSize;
  const compiler = await runToExit(c.ledger, 'no-go',
    ['--network', 'none', ...containment(), '--entrypoint', 'sh', final.tag, '-c',
    'command -v go || ls /usr/lib/go /usr/local/go 2>/dev/null || echo no-compiler'], runBound);
  const net = await createNetwork(c.ledger, 'ms', graded ? ['--internal'] : []);
  const srv = await runContainer(c.ledger, 'ms-server', ['--network', net, '--network-alias', 'server', ...containment(), final.tag]);
  c.captureOnFailure('the server container and its network', async () => ({
    state: (await docker(['inspect', '--format', '{{json .State}}', srv.name], { check: false, timeoutMs: 15_000 })).stdout.trim(),
    logs: capped((await docker(['logs', srv.name], { check: false, timeoutMs: 15_000 })).stdout),
    network: (await docker(['network', 'inspect', '--format', '{{json .Containers}}', net],
      { check: false, timeoutMs: 15_000 })).stdout.trim(),
  }));
  const { port, maxRatio } = assignment.multistage;
  const message = assignment.compose.message;
  // Delivered = the exchange ended (0) or the server kept the line open (143 from timeout);
  // refused = retry. A server that never answers costs 3 s, not a hang.
  const askScript = `for i in $(seq 40); do r=$(echo ${message} | timeout 3 nc server ${port}); rc=$?; if [ $rc -eq `
    + `0 ] || [ $rc -eq 143 ]; then echo "rc=$rc reply=$r"; exit 0; fi; sleep 0.2; done; echo "server:${port} `
    + `refused connections for 8 s" >&2; exit 1`;
  const ask = await runToExit(c.ledger, 'ms-client', ['--network', net, 'alpine', 'sh', '-c', askScript], 30_000)
    .catch((e: Error) => ({ exitCode: null, stdout: '', stderr: e.message, name: '' }));
  const reply = /reply=(.*)$/m.exec(ask.stdout)?.[1]?.trim() ?? '';
  // The slide's CMD [".server"] — a claim about the lecture's Dockerfile, whoever's files the
  // rest checks: the lecture's build with the typo fails to start, clearly.
  const lecture = await workspace(c.ledger, sources.lectureCompose, 'typo');
  const df = path.join(lecture, 'Dockerfile');
  await writeFile(df, (await readFile(df, 'utf8')).replace(/^CMD .*$/m, 'CMD [".server"]'));
  const typo = await buildImage(c.ledger, lecture, { label: 'server-typo', builder: builder(c) });
  const typoRun = await runToExit(c.ledger, 'typo-run', ['--network', 'none', typo.tag], 30_000);
  c.evidence({
    summary: `final ${mb(finalSize)} vs builder ${mb(builderSize)} (${(ratio * 100).toFixed(1)}%); no compiler `
      + `inside; the server took "${message}" on ${port}${reply ? ` and answered "${reply}"` : ''}; the slide's CMD `
      + `[".server"] fails: ${typoRun.stderr.split('\n').find((l) => /exec|not found|no such/i.test(l))?.trim() ?? `exit ${typoRun.exitCode}`}`,
    finalBytes: finalSize, builderBytes: builderSize, builderStage: target, ratio, maxRatio,
      compilerProbe: compiler.stdout.trim(), serverExchange: capped(ask.stdout.trim() || ask.stderr.trim()),
      typo: { exitCode: typoRun.exitCode, stderr: typoRun.stderr.trim() },
  });
  c.verify([
    { ok: ratio <= maxRatio, what: `the final image is at most ${(maxRatio * 100).toFixed(0)}% of the builder`,
      expected: `≤ ${(maxRatio * 100).toFixed(0)}%`, actual: `${(ratio * 100).toFixed(1)}%` },
    { ok: compiler.stdout.trim() === 'no-compiler', what: 'it holds no compiler', expected: 'no-compiler', actual: compiler.stdout.trim() },
    { ok: ask.exitCode === 0, what: `the server takes a message on ${port}`, expected: 'delivered',
      actual: ask.exitCode === 0 ? `delivered${reply ? `, reply "${reply}"` : ''}` : ask.stderr.trim().split('\n').pop() },
    { ok: typoRun.exitCode !== 0 && /\.server/.test(typoRun.stderr) && /not found|no such file/i.test(typoRun.stderr),
      what: 'CMD [".server"] fails to start with a clear error', expected: 'executable ".server" not found',
      actual: typoRun.stderr.trim() || `exit ${typoRun.exitCode}` },
  ]);
});

// Sizes only: the minimal VM image is measured as files, so no qemu is needed to read them.
