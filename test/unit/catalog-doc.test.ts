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

it('the catalog is where a claim\'s knowledge lives: every scenario kind has its claims, every cgroups one a runner', async () => {
  const { RUNNERS } = await import('../../src/cgroups/scenario.js');
  const { SUITE_OF, KINDS, parseScenarioFile } = await import('../../src/scenarios/files.js');
  const { PART_CLAIMS } = await import('../../src/grade/assignment.js');
  expect(CLAIMS.filter((c) => c.scenarios === 'cgroups').map((c) => c.id).sort()).toEqual(Object.keys(RUNNERS).sort());
  expect(SUITE_OF).toEqual({ overlay: 'overlay', cgroups: 'cgroups', netns: 'netns', image: 'compose' });
  for (const k of KINDS) expect(CLAIMS.filter((c) => c.scenarios === k).every((c) => c.suite === SUITE_OF[k])).toBe(true);
  expect(PART_CLAIMS).toEqual({ hello: ['image.layers', 'image.cache-hit', 'image.lifecycle'], multistage: ['image.multistage-size'],
    compose: ['compose.service-dns', 'compose.teardown'] });
  // A claim checked in code takes no scenario file: refused by its schema, named, before anything runs.
  // Each kind's schema names the same claims (its `claim` enum, or its suite's prefix).
  for (const k of KINDS) {
    const claim = (JSON.parse(await readFile(fileURLToPath(new URL(`../../schemas/scenarios.${k}.schema.json`, import.meta.url)), 'utf8')) as
      { $defs: { scenario: { properties: { claim: { enum?: string[]; pattern?: string } } } } }).$defs.scenario.properties.claim;
    const mine = CLAIMS.filter((c) => c.scenarios === k).map((c) => c.id);
    if (claim.enum) expect(claim.enum.sort()).toEqual(mine.sort());
    else expect(CLAIMS.filter((c) => new RegExp(claim.pattern!).test(c.id)).map((c) => c.id)).toEqual(mine);
  }
  const file = 'kind: cgroups\nscenarios:\n  - claim: cgroups.move\n    name: x\n    groups: [{ name: ice }]\n    workload: hog\n'
    + '    pinCpu: 0\n    windowMs: 1000\n    expect: { frozenCpuAtMost: 0.02, thawedCpuAtLeast: 0.3 }\n';
  expect(() => parseScenarioFile(file, 'c.yaml', true)).toThrow(expect.objectContaining({
    problems: [expect.stringMatching(/c\.yaml:3: scenarios\[0\]\.claim: must be one of .*got "cgroups\.move"/)] }));
  expect(() => parseScenarioFile(file.replace('cgroups.move', 'cgroups.freeze'), 'c.yaml', true)).not.toThrow();
});
