// docs/claims.md is generated from the catalog: it must say what the code checks.
import { it, expect } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { claimsMarkdown } from '../../src/claims/catalog-doc.js';
import { CLAIMS } from '../../src/claims/catalog.js';

it('docs/claims.md is current (regenerate: isolab run --list --markdown > docs/claims.md)', async () => {
  const doc = await readFile(fileURLToPath(new URL('../../docs/claims.md', import.meta.url)), 'utf8');
  expect(doc).toBe(claimsMarkdown());
  for (const c of CLAIMS) expect(doc).toContain(`\`${c.id}\``);
});
