// Where the image and compose checks read the lecture's files: fixtures/lecture, or a
// student's submission with the same layout (isolab grade sets ISOLAB_SUBMISSION).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const root = process.env.ISOLAB_SUBMISSION ? path.resolve(process.env.ISOLAB_SUBMISSION) : path.join(repo, 'fixtures/lecture');

export const sources = {
  root,
  hello: { dir: path.join(root, 'hello'), files: ['Dockerfile', 'hello.sh'] },
  compose: { dir: path.join(root, 'compose'), files: ['docker-compose.yml', 'Dockerfile', 'server.go'] },
  /** the harness's own scenarios, never from a submission */
  cache: path.join(repo, 'fixtures/scenarios/cache'),
  staticHello: path.join(repo, 'fixtures/scenarios/static-hello'),
  readyOverride: path.join(repo, 'fixtures/lecture/compose/docker-compose.ready.yml'),
  pid1: path.join(repo, 'fixtures/scenarios/pid1'),
  /** the lecture's own compose project, for claims about the slide itself */
  lectureCompose: path.join(repo, 'fixtures/lecture/compose'),
};
