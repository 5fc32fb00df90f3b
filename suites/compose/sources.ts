// Where the image and compose checks read their files and what they expect: the lecture's
// files and assignment, or — under `isolab grade` — a student's submission (ISOLAB_SUBMISSION)
// and the course's assignment (ISOLAB_ASSIGNMENT). A submission is untrusted: its containers
// and builds run contained (limits, no network beyond the project, capped output).
import path from 'node:path';
import { currentAssignment } from '../../src/grade/assignment.js';

import { ROOT as repo } from '../../src/core/paths.js';
import { setting } from '../../src/core/settings.js';
export const graded = !!setting('submission');
const root = graded ? path.resolve(setting('submission')!) : path.join(repo, 'fixtures/lecture');
export const assignment = currentAssignment();
const a = assignment;

export const sources = {
  root,
  hello: { dir: path.join(root, a.hello.dir), files: a.hello.files },
  compose: { dir: path.join(root, a.compose.dir), files: a.compose.files, file: a.compose.file },
  multistage: { dir: path.join(root, a.multistage.dir), files: a.multistage.files },
  /** the harness's own scenarios, never from a submission */
  cache: path.join(repo, 'fixtures/scenarios/cache'),
  staticHello: path.join(repo, 'fixtures/scenarios/static-hello'),
  pid1: path.join(repo, 'fixtures/scenarios/pid1'),
  /** the lecture's own compose project, for claims about the slide itself */
  lectureCompose: path.join(repo, 'fixtures/lecture/compose'),
};

/** `docker run` flags that contain a submission's container (none for the lecture's own files). */
export function containment(): string[] {
  if (!graded) return [];
  const l = a.limits;
  return ['--memory', `${l.memoryMb}m`, '--memory-swap', `${l.memoryMb}m`, '--pids-limit', String(l.pids), '--cpus', String(l.cpus),
    '--security-opt', 'no-new-privileges', '--log-opt', `max-size=${l.outputKb}k`];
}

/** Build options for a submission's Dockerfiles: no network, memory-capped, time- and disk-bounded. */
export function buildLimits(): { network?: string; memoryMb?: number; timeoutMs?: number; diskMb?: number } {
  return graded ? { network: 'none', memoryMb: a.limits.memoryMb * 4, timeoutMs: a.limits.buildSeconds * 1000,
    diskMb: a.limits.imageMb } : {};
}

/** At most the assignment's output cap of a submission's text, read into evidence. */
export function capped(text: string): string {
  const max = a.limits.outputKb * 1024;
  return text.length > max ? `${text.slice(0, max)}\n…(${text.length - max} more characters not kept)` : text;
}

/** The client command of the readiness variant: wait until the server accepts, deliver, done. */
export function readyClientCommand(): string {
  const { server, port, message } = a.compose;
  return `for i in $$(seq 40); do echo ${message} | timeout 3 nc ${server} ${port}; rc=$$?; if [ $$rc -eq 0 ] || [ `
    + `$$rc -eq 143 ]; then exit 0; fi; sleep 0.2; done; exit 1`;
}
