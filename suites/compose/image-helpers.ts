// Shared by the image spec files (images.spec.ts, images-run.spec.ts): the lecture's hello
// image and a submission's contained build.
import { type ClaimContext } from '../../src/claims/claim.js';
import { workspace, requireFiles } from '../../src/core/fs.js';
import { buildImage, imageSize, type BuildStep } from '../../src/docker/build.js';
import { sources, assignment, buildLimits, graded } from './sources.js';

export const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
export const notFrom = (s: BuildStep) => !/^FROM\b/i.test(s.instruction);
export const builder = (c: ClaimContext) => c.host.builder ?? 'legacy';
/** A submission's own image: contained build, and refused when larger than the assignment allows. */
export async function buildSubmission(c: ClaimContext, ws: string, label: string, target?: string) {
  const b = await buildImage(c.ledger, ws, { label, builder: builder(c), ...buildLimits(), ...(target ? { target } : {}) });
  const size = graded ? await imageSize(b.tag) : 0;
  if (size > assignment.limits.imageMb * 1e6)
    throw new Error(`the ${label} image is ${mb(size)}, over the assignment's ${assignment.limits.imageMb} MB limit`);
  return b;
}
export const { output: helloOutput, script } = assignment.hello;
/** A submission's container that never exits costs this long, not the claim's whole timeout. */
export const runBound = graded ? assignment.limits.upSeconds * 1000 : 60_000;
export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function hello(c: ClaimContext) {
  await requireFiles(sources.hello.dir, sources.hello.files, 'the hello image');
  return workspace(c.ledger, sources.hello.dir, 'hello');
}

