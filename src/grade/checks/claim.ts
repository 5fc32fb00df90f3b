// `claim`: one of the lecture's claims (isolab run --list) as a check of a lecture-shaped part —
// the layers an ADD makes, a cache hit on an unchanged rebuild, a client reaching a server by
// name, the final stage's size against its builder's. These run as the suites run them (vitest,
// the lecture's scenarios, contained the same way): course-grade.ts runs them together, once.
import type { CheckKind } from './kind.js';
import { PartFailure } from './kind.js';

export const claim: CheckKind<string> = {
  name: 'claim',
  describe: 'one of the lecture\'s claims (layers, cache hit, lifecycle, service DNS, teardown, multi-stage size) on a lecture-shaped part',
  phase: 'image',
  schema: { type: 'string', pattern: '^[a-z]+\\.[a-z0-9-]+( › .+)?$', description: 'a claim id, or "claim id › scenario"' },
  title: (v) => v,
  run: async () => { throw new PartFailure('a claim runs with the suites, not alone'); },
  hint: (v) => `the part must do what ${v.split(' › ')[0]} checks (isolab run --list says what)`,
  example: { value: 'image.layers', points: 2, hint: 'ADD the script in one step: one more layer than the base' },
};
