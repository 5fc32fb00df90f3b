// `persist`: data written through the service is still there after the project is taken down
// and brought up again (its volume or data folder kept), and gone once they are removed.
import type { Schema } from '../../core/data-file.js';
import type { CheckKind, SubCheck } from './kind.js';
import { httpStep, STEP_SCHEMA, type HttpStep } from './http.js';

export interface PersistCheck {
  write: HttpStep[];
  /** after down and up, volumes kept */
  kept: HttpStep[];
  /** after down with volumes and data folders removed, then up */
  wiped?: HttpStep[];
}

const steps: Schema = { type: 'array', minItems: 1, items: STEP_SCHEMA };

export const persist: CheckKind<PersistCheck> = {
  name: 'persist',
  describe: 'data written is kept across down/up in its volume or data folder, and gone once they are removed',
  phase: 'restart',
  schema: { type: 'object', additionalProperties: false, required: ['write', 'kept'], properties: {
    write: { ...steps, description: 'requests (as in http) that store something' },
    kept: { ...steps, description: 'requests after down and up: it is still there' },
    wiped: { ...steps, description: 'requests after down -v and up: it is gone' } } },
  title: (v) => `kept across down/up${v.wiped ? ', gone once wiped' : ''}`,
  async run(v, part) {
    await part.up();
    const checks: SubCheck[] = [];
    const mark = (phase: string, cs: SubCheck[]) => cs.map((c) => ({ ...c, what: `${phase}: ${c.what}` }));
    for (const [i, s] of v.write.entries()) checks.push(...mark('write', (await httpStep(s, part, i)).checks));
    await part.restart({ wipe: false });
    for (const [i, s] of v.kept.entries()) checks.push(...mark('after down/up', (await httpStep(s, part, i)).checks));
    if (v.wiped) {
      await part.restart({ wipe: true });
      for (const [i, s] of v.wiped.entries()) checks.push(...mark('after wiping its data', (await httpStep(s, part, i)).checks));
    }
    return { checks, summary: `${checks.filter((c) => c.ok).length}/${checks.length} held across restarts` };
  },
  hint: () => 'keep the data in a named volume or a data folder mounted into the service, so it survives down/up',
  example: { value: { write: [{ method: 'POST', path: '/api/notes', body: '{"text":"hi"}', status: 201 }],
    kept: [{ path: '/api/notes', contains: 'hi' }], wiped: [{ path: '/api/notes', excludes: 'hi' }] }, points: 3,
  hint: 'the notes live in the database\'s volume, not in the container' },
};
