// `npm run schema`: schemas/assignment.schema.json's `check` written from the registry of kinds
// (src/grade/checks/registry.ts), so the file a course's editor validates against is the one
// isolab checks with. test/unit/check-kinds.test.ts fails when the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { fromRoot } from '../core/paths.js';
import { checkSchema } from './checks/registry.js';

export const SCHEMA_FILE = fromRoot('schemas', 'assignment.schema.json');

export function writtenSchema(): Record<string, unknown> {
  const s = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { $defs?: Record<string, unknown> };
  return { ...s, $defs: { ...(s.$defs ?? {}), check: checkSchema() } };
}

if (process.argv[1]?.endsWith('schema-write.ts')) {
  writeFileSync(SCHEMA_FILE, `${JSON.stringify(writtenSchema(), null, 2)}\n`);
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
