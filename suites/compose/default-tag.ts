// image.default-tag's checks over what the runs printed (the control hands them swapped runs).
import type { Check } from '../../src/claims/claim.js';

/** Docker's and podman's words for an image that is not there. */
const NOT_FOUND = /no such image|unable to find image|image not known/i;

export interface Ran { exit: number | null; out: string; err: string }

export function defaultTagChecks(r: { bare: Ran; tagged: Ran; bareId: string; latestId: string; gone: Ran }): Check[] {
  const { bare, tagged, bareId, latestId, gone } = r;
  return [
    { ok: bare.exit === 0 && bare.out === 'latest', what: 'no tag runs :latest', expected: 'latest',
      actual: `exit ${bare.exit}: ${bare.out || bare.err}` },
    { ok: !!bareId && bareId === latestId, what: 'the engine resolves the bare name to name:latest',
      expected: latestId, actual: bareId || '—' },
    // The tags are told apart, so a run of the wrong one would show.
    { ok: tagged.exit === 0 && tagged.out === 'v1', what: 'name:v1 runs the other image', expected: 'v1',
      actual: `exit ${tagged.exit}: ${tagged.out || tagged.err}` },
    // Docker names the tag it looked for ("No such image: name:latest"), podman only the name
    // ("name: image not known"): the engine's not-found is the check, nothing having run.
    { ok: gone.exit !== 0 && gone.out === '' && NOT_FOUND.test(gone.err),
      what: 'with no :latest the bare name is not found (never another tag)', expected: 'fails: no such image',
      actual: `exit ${gone.exit}: ${gone.out || gone.err}` },
  ];
}
