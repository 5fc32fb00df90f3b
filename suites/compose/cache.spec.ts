// The lecture's build cache slides: what invalidates a step, and the image scenario files (a
// folder and what its image must be). Beside images.spec.ts: its own folders and tags.
import { writeFile, readFile, utimes } from 'node:fs/promises';
import path from 'node:path';
import { claim } from '../../src/claims/claim.js';
import { workspace } from '../../src/core/fs.js';
import { buildImage, type BuildStep } from '../../src/docker/build.js';
import { sources, graded } from './sources.js';
import { runId } from '../../src/core/names.js';
import { scenariosOf } from '../../src/scenarios/files.js';
import { imageDir, runImageScenario, type ImageScenario } from '../../src/docker/scenario.js';
import { notFrom, builder } from './image-helpers.js';

// Four builds: under emulation (a TCG guest) they take longer than the default bound.
claim('image.cache-invalidation', { needs: ['docker', 'image.busybox'], timeoutMs: 150_000 }, async (c) => {
  const ws = await workspace(c.ledger, sources.cache, 'cache-inv');
  const script = path.join(ws, 'hello.sh');
  const b = (label: string) => buildImage(c.ledger, ws, { label: `inv-${label}`, builder: builder(c) });
  const first = await b('first');
  const later = new Date(Date.now() + 3600_000);
  await utimes(script, later, later);
  const touched = await b('touched');
  // Content never built before: BuildKit's cache outlives images, so a fixed "changed" text
  // would be a cache hit from an earlier run.
  await writeFile(script, (await readFile(script, 'utf8')).replace('Hallo', `Hallo, changed in run ${runId()} at ${Date.now()}`));
  const changed = await b('changed');
  const show = (steps: BuildStep[]) => steps.filter(notFrom).map((s) => `${s.instruction}: ${s.cached ? 'cached' : 'rebuilt'}`);
  const addAt = changed.steps.filter(notFrom).findIndex((s) => /^(ADD|COPY)\b/i.test(s.instruction));
  const cs = changed.steps.filter(notFrom);
  c.evidence({
    summary: `mtime only: ${show(touched.steps).join(', ')}; content changed: ${show(changed.steps).join(', ')}`,
    first: show(first.steps), touchedOnly: show(touched.steps), contentChanged: show(changed.steps),
  });
  c.verify([
    { ok: touched.steps.filter(notFrom).every((s) => s.cached) && touched.id === first.id,
      what: 'touching only the mtime invalidates nothing', expected: 'all cached, same image', actual: show(touched.steps) },
    { ok: addAt > 0 && cs.slice(0, addAt).every((s) => s.cached), what: 'steps before the ADD stay cached',
      expected: 'cached', actual: show(cs.slice(0, Math.max(addAt, 0))) },
    { ok: addAt >= 0 && cs.slice(addAt).every((s) => !s.cached), what: 'the ADD and every step after it are rebuilt',
      expected: 'rebuilt', actual: show(cs.slice(Math.max(addAt, 0))) },
    { ok: changed.id !== first.id, what: 'a new image', expected: 'different id',
      actual: changed.id === first.id ? 'same id' : 'different id' },
  ]);
});

// Image scenario files (scenarios/*.yaml here, and a course's own): a Dockerfile folder and what
// its image must be. The CLI builds (not testcontainers): the checks read the build's cache lines.
// (Grading a submission runs the assignment's checks only: the project's own files are skipped.)
for (const { claim: id, spec: s, source, course,
  dir: fileDir } of (await scenariosOf<ImageScenario>('image')).filter((x) => !graded || x.course)) {
  claim(id, { scenario: s.name, source, needs: ['docker', 'image.busybox'], timeoutMs: 180_000 }, async (c) => {
    const dir = await imageDir(s, fileDir, course);
    const r = await runImageScenario(c.ledger, dir, s, { builder: builder(c), registry: c.host.registry, course });
    c.evidence({ summary: r.summary, source, ...r.evidence });
    c.verify(r.checks);
  });
}
