// The lecture's Docker image slides, against the local engine: layers, a cache hit, the lifecycle
// and the base image's size. Beside it: cache.spec.ts (invalidation), images-run.spec.ts.
import { engineName } from '../../src/core/engine-name.js';
import { claim } from '../../src/claims/claim.js';
import { docker, inspect, runToExit, runContainer, localName } from '../../src/docker/cli.js';
import { imageSize } from '../../src/docker/build.js';
import { guest, guestSizes } from '../../src/vm/tiny-guest.js';
import { containment, capped } from './sources.js';
import { ensureImage } from '../../src/docker/base-images.js';
import { mb, notFrom, buildSubmission, helloOutput, script, runBound, escapeRe, hello } from './image-helpers.js';

claim('image.layers', { needs: ['docker', 'image.busybox'] }, async (c) => {
  const ws = await hello(c);
  await ensureImage('alpine', c.host.registry);
  const base = await inspect<{ RootFS: { Layers: string[] } }>('alpine', 'image');
  const b = await buildSubmission(c, ws, 'hello');
  const img = await inspect<{ RootFS: { Layers: string[] } }>(b.tag, 'image');
  const history = (await docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', b.tag])).stdout.trim().split('\n');
  const out = await runToExit(c.ledger, 'hello-run', ['--network', 'none', ...containment(), b.tag], runBound);
  out.stdout = capped(out.stdout);
  const extra = img.RootFS.Layers.slice(base.RootFS.Layers.length);
  c.evidence({
    summary: `alpine has ${base.RootFS.Layers.length} layer(s); the hello image ${img.RootFS.Layers.length} `
      + `(+${extra.length} for ${script}); it prints "${out.stdout.trim()}"`,
    baseLayers: base.RootFS.Layers, imageLayers: img.RootFS.Layers, history, output: out.stdout, steps: b.steps,
  });
  c.verify([
    { ok: base.RootFS.Layers.every((l, i) => img.RootFS.Layers[i] === l),
      what: "the image starts with the base's layers", expected: base.RootFS.Layers.length,
      actual: img.RootFS.Layers.slice(0, base.RootFS.Layers.length).length },
    { ok: extra.length === 1, what: `one more layer, for ${script}`, expected: 1, actual: extra.length },
    // The legacy builder records "ADD file:<content hash> in .", BuildKit "ADD hello.sh .".
    { ok: history.some((h) => new RegExp(`\\b(ADD|COPY) (file:\\w+ in |${escapeRe(script)})`).test(h)),
      what: `the history shows the ADD of ${script}`, expected: `ADD file:… / ADD ${script}`,
      actual: history.find((h) => /ADD|COPY/.test(h)) ?? history[0] },
    { ok: out.stdout.trim() === helloOutput, what: `it runs and prints ${helloOutput}`, expected: helloOutput,
      actual: out.stdout.trim() || capped(out.stderr.trim()) },
  ]);
});

claim('image.cache-hit', { needs: ['docker', 'image.busybox'] }, async (c) => {
  const ws = await hello(c);
  const first = await buildSubmission(c, ws, 'cache');
  const second = await buildSubmission(c, ws, 'cache');
  const steps = second.steps.filter(notFrom);
  c.evidence({
    summary: `rebuilt unchanged: ${steps.filter((s) => s.cached).length}/${steps.length} steps from the cache, same `
      + `image ${second.id.replace(/^sha256:/, '').slice(0, 12)}; ${Math.round(first.durationMs)} ms `
      + `then ${Math.round(second.durationMs)} ms`,
    first: { id: first.id, steps: first.steps, ms: Math.round(first.durationMs) },
      second: { id: second.id, steps: second.steps, ms: Math.round(second.durationMs) },
  });
  c.verify([
    { ok: steps.length > 0 && steps.every((s) => s.cached), what: 'every step is reused from the cache',
      expected: 'all cached', actual: steps.map((s) => `${s.instruction}: ${s.cached ? 'cached' : 'rebuilt'}`) },
    { ok: first.id === second.id, what: 'the same image ID', expected: first.id, actual: second.id },
  ]);
});

// In this file, not beside it: built from the hello files, a side-by-side build of the same
// files would share its image id (a second tag), and rmi of a used image would just untag.
claim('image.lifecycle', { needs: ['docker', 'image.busybox'] }, async (c) => {
  const ws = await hello(c);
  const b = await buildSubmission(c, ws, 'life');
  const listed = async (all: boolean) =>
    (await docker(['images', ...(all ? ['-a'] : []), '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n').map(localName);
  const inImages = (await listed(false)).includes(b.tag);
  const countAll = (await listed(true)).length;
  const count = (await listed(false)).length;
  const ct = await runContainer(c.ledger, 'life', ['--network', 'none', ...containment(), b.tag],
    { detach: false, timeoutMs: Math.min(runBound, 30_000) });
  const psa = (await docker(['ps', '-a', '--filter', `name=^${ct.name}$`, '--format', '{{.Names}} {{.Status}}'])).stdout.trim();
  const ps = (await docker(['ps', '--filter', `name=^${ct.name}$`, '--format', '{{.Names}}'])).stdout.trim();
  const rmiBusy = await docker(['rmi', b.tag], { check: false });
  await docker(['rm', ct.name]);
  const afterRm = (await docker(['ps', '-a', '--filter', `name=^${ct.name}$`, '--format', '{{.Names}}'])).stdout.trim();
  const rmi = await docker(['rmi', b.tag], { check: false });
  const gone = !(await listed(false)).includes(b.tag);
  c.evidence({
    summary: `${engineName()} images lists ${b.tag}; ps -a shows "${psa}", ps does not; rmi while used: `
      + `"${rmiBusy.stderr.trim()}"; after rm, rmi ${rmi.exitCode === 0 ? 'succeeds' : 'fails'}`,
    images: count, imagesAll: countAll, psAll: psa, ps, rmiWhileUsed: rmiBusy.stderr.trim(),
      rmiAfterRm: rmi.stdout.trim() || rmi.stderr.trim(),
  });
  c.verify([
    { ok: inImages, what: 'docker images lists the new image', expected: b.tag, actual: inImages },
    { ok: countAll >= count, what: 'docker images -a lists at least as many (intermediates too)',
      expected: `≥ ${count}`, actual: countAll },
    { ok: /Exited \(0\)/.test(psa) && ps === '', what: 'an exited container is in ps -a, not in ps',
      expected: 'Exited (0)', actual: psa || 'absent' },
    // docker: "conflict … is being used by stopped container"; podman: "image is in use by a container".
    { ok: rmiBusy.exitCode !== 0 && /conflict|being used|is using|in use by a container/i.test(rmiBusy.stderr),
      what: "rmi of an image a container uses fails with the engine's error", expected: 'conflict …',
      actual: rmiBusy.stderr.trim() || 'succeeded' },
    { ok: afterRm === '', what: 'rm removes the container from ps -a', expected: 'absent', actual: afterRm },
    { ok: rmi.exitCode === 0 && gone, what: 'then rmi succeeds', expected: 'removed', actual: rmi.stderr.trim() || 'removed' },
  ]);
});

claim('image.base-size', { needs: ['docker', 'image.busybox'] }, async (c) => {
  await ensureImage('alpine', c.host.registry);
  const base = await imageSize('alpine');
  const g = await guest();
  if (!g) c.skip('the VM guest (kernel + initramfs) is not provisioned: run `sudo npx isolab provision`');
  const vm = await guestSizes(g!);
  const vmTotal = vm.kernelBytes + vm.initrdBytes;
  c.evidence({
    summary: `base image ${mb(base)} vs minimal VM image ${mb(vmTotal)} (kernel ${mb(vm.kernelBytes)} + `
      + `initramfs ${mb(vm.initrdBytes)}); the lecture says 2MB vs 45MB`,
    baseImageBytes: base, vm, vmTotalBytes: vmTotal, lecture: { container: '2MB', vm: '45MB' },
      base: c.host.registry ? 'alpine (registry)' : 'busybox-static stand-in for alpine',
  });
  c.verify([
    // alpine is ~2 MB compressed, ~8 MB unpacked; the busybox stand-in ~2 MB.
    { ok: base <= 10e6, what: 'the base image is a few MB ("2MB")', expected: '≤ 10 MB', actual: mb(base) },
    { ok: base * 3 < vmTotal, what: 'several times smaller than a minimal VM image', expected: `< ${mb(vmTotal / 3)}`, actual: mb(base) },
  ]);
  // The slide's numbers: 2 MB (an alpine snapshot) vs 45 MB (a VM's).
  const near = (x: number, target: number) => x >= target / 2 && x <= target * 2;
  c.slide({
    says: '"Reduced size of snapshots 2MB vs 45MB"', expected: { container: '2MB', vm: '45MB', ratio: '22×' },
    measured: `${mb(base)} vs ${mb(vmTotal)} (${(vmTotal / base).toFixed(1)}×)`, holds: near(base, 2e6) && near(vmTotal, 45e6),
    why: `${near(base, 2e6) ? '' : `the base image here is ${c.host.registry ? 'alpine from the registry' : 'the '
      + 'busybox stand-in'}; `}the VM here is the smallest that boots (a cloud kernel + a busybox initramfs), not `
      + `the lecture's VM snapshot`,
  });
});
