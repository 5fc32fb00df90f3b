// Scenario files a course writes: every mistake is named by file:line and field before
// anything runs.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, writeFile, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseScenarioFile, loadScenarioDirs, scenariosOf, writeScenarioSet, SCENARIO_SET_FILE } from '../../src/scenarios/files.js';

const parse = (text: string) => {
  try {
    parseScenarioFile(text, '/course/s.yaml', true);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
};
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('scenario files', () => {
  it('a good file gives scenarios with their file:line', () => {
    const { kind, scenarios } = parseScenarioFile('kind: overlay\nscenarios:\n  - claim: overlay.whiteout\n    '
      + 'name: mine\n    lowers: [{ a: x }]\n    upper: {}\n    ops: [{ op: rm, path: a }]\n    expect: { upper: { '
      + 'whiteouts: [a] } }\n', '/course/s.yaml', true);
    expect(kind).toBe('overlay');
    expect(scenarios[0]).toMatchObject({ claim: 'overlay.whiteout', name: 'mine', source: '/course/s.yaml:3', course: true });
  });
  it.each([
    ['unknown kind', 'kind: kernel\nscenarios: []\n', /s\.yaml:1: kind: must be one of "overlay", "cgroups", "netns", "image"/],
    ['YAML syntax', 'kind: overlay\nscenarios:\n  - claim: [\n', /s\.yaml:\d+: /],
    ['unknown field', 'kind: overlay\nscenarios:\n  - claim: overlay.union\n    name: n\n    lowers: [{}]\n    '
      + 'upper: {}\n    expect: {}\n    colour: red\n', /s\.yaml:8: scenarios\[0\]\.colour: unknown field "colour"/],
    ['unknown claim', 'kind: overlay\nscenarios:\n  - claim: overlay.teleport\n    name: n\n    lowers: [{}]\n    '
      + 'upper: {}\n    expect: {}\n', /s\.yaml:3: scenarios\[0\]\.claim: unknown claim id "overlay\.teleport"/],
    ['claim of another kind',
      'kind: netns\nscenarios:\n  - claim: overlay.union\n    name: n\n    topology: { namespaces: [a] }\n',
      /not a netns claim|must match/],
    ['bad op', 'kind: overlay\nscenarios:\n  - claim: overlay.union\n    name: n\n    lowers: [{}]\n    upper: '
      + '{}\n    ops: [{ op: teleport, path: a }]\n    expect: {}\n', /s\.yaml:7: scenarios\[0\]\.ops\[0\]\.op: must be one of/],
    ['path outside', 'kind: overlay\nscenarios:\n  - claim: overlay.union\n    name: n\n    lowers: [{}]\n    '
      + 'upper: {}\n    ops: [{ op: rm, path: ../../etc/passwd }]\n    expect: {}\n', /ops\[0\]\.path: must match/],
    ['bad tree entry', 'kind: overlay\nscenarios:\n  - claim: overlay.union\n    name: n\n    lowers: [{ a: 3 '
      + '}]\n    upper: {}\n    expect: {}\n', /s\.yaml:5: scenarios\[0\]\.lowers\[0\]: must be one of/],
    ['same name twice', 'kind: overlay\nscenarios:\n  - { claim: overlay.union, name: n, lowers: [{}], upper: {}, '
      + 'expect: {} }\n  - { claim: overlay.union, name: n, lowers: [{}], upper: {}, expect: {} }\n',
      /s\.yaml:4: scenarios\[1\]\.name: "n" is already a scenario/],
  ])('%s is named with file:line', (_, text, want) => {
    expect(parse(text)).toMatch(want);
  });
  it('a folder that is missing, empty or holds a bad file: all problems at once, nothing loaded', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'test-unit-scen-'));
    dirs.push(d);
    await mkdir(path.join(d, 'empty'));
    await writeFile(path.join(d, 'bad.yaml'), 'kind: overlay\nscenarios: 3\n');
    const err = await loadScenarioDirs([d, path.join(d, 'missing'), path.join(d, 'empty')], true).then(() => '', (e: Error) => e.message);
    expect(err).toMatch(/bad\.yaml:2: scenarios: must be an array/);
    expect(err).toMatch(/missing: not a folder of scenario files/);
    expect(err).toMatch(/empty: holds no \*\.yaml scenario files/);
  });
  it('ISOLAB_SCENARIOS adds a course\'s files to a suite\'s own', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'test-unit-scen-'));
    dirs.push(d);
    await writeFile(path.join(d, 'mine.yaml'),
      'kind: overlay\nscenarios:\n  - { claim: overlay.union, name: a course\'s union, lowers: [{ a: x }], upper: '
      + '{}, expect: { merged: { files: { a: x } } } }\n');
    // Read from the files themselves (a worker without a run's parsed set, as a spec run alone).
    const set = process.env.ISOLAB_SCENARIO_SET;
    delete process.env.ISOLAB_SCENARIO_SET;
    const before = (await scenariosOf('overlay')).length;
    process.env.ISOLAB_SCENARIOS = d;
    try {
      const all = await scenariosOf('overlay');
      expect(all.length).toBe(before + 1);
      expect(all.at(-1)).toMatchObject({ name: "a course's union", course: true });
      expect(all.at(-1)!.source).toMatch(/mine\.yaml:3$/);
      // Parsed once for a run: the set written, and what a worker reads from it is the same.
      const runDir = path.join(d, 'run');
      expect(await writeScenarioSet(runDir, [d])).toEqual(['overlay']);
      expect(process.env.ISOLAB_SCENARIO_SET).toBe(path.join(runDir, SCENARIO_SET_FILE));
      expect(await scenariosOf('overlay')).toEqual(all);
    } finally {
      delete process.env.ISOLAB_SCENARIOS;
      if (set) process.env.ISOLAB_SCENARIO_SET = set; else delete process.env.ISOLAB_SCENARIO_SET;
    }
  });
});

describe('scenario files: what the schema cannot say', () => {
  it.each([
    ['a route to an unknown host',
      'kind: netns\nscenarios:\n  - claim: netns.veth\n    name: n\n    topology: { hosts: [a, b], links: [], '
      + 'routes: [{ host: c, to: default, via: 10.0.0.1 }] }\n    expect: { reach: [{ from: a, to: 10.0.0.2, port: '
      + '1 }] }\n    control: {}\n', /s\.yaml:3: scenarios\[0\] \(n\): topology\.routes\[0\]\.host: unknown host "c"/],
    ['a probe from an unknown host',
      'kind: netns\nscenarios:\n  - claim: netns.veth\n    name: n\n    topology: { hosts: [a], links: [] }\n    '
      + 'expect: { reach: [{ from: z, to: 10.0.0.2, port: 1 }] }\n    control: {}\n', /expect\.reach\[0\]: unknown host "z"/],
    ['a share of a group that is not a leaf',
      'kind: cgroups\nscenarios:\n  - claim: cgroups.nested-weight\n    name: n\n    groups: [{ name: a, children: '
      + '[{ name: b }] }]\n    expect: { shares: { a: 1 } }\n', /"a" is not a leaf group \(leaves: a\/b\)/],
    ['a read-only overlay with one lower',
      'kind: overlay\nscenarios:\n  - { claim: overlay.union, name: n, lowers: [{}], expect: {} }\n',
      /s\.yaml:3: .*a read-only overlay \(no upper\) needs two or more lowers/],
  ])('%s is named with file:line', (_, text, want) => {
    expect(parse(text)).toMatch(want);
  });
});

describe('scenario files: nothing of the host reaches a check', () => {
  it.each([
    ['a lower symlink out of its layer',
      'kind: overlay\nscenarios:\n  - claim: overlay.symlink\n    name: n\n    lowers: [{ l: { $symlink: '
      + '/etc/shadow } }]\n    upper: {}\n    expect: { merged: { files: { l: x } } }\n',
      /lowers\[0\]: must be one of|\$symlink: points inside/],
    ['a symlink op out through ..',
      'kind: overlay\nscenarios:\n  - claim: overlay.symlink\n    name: n\n    lowers: [{ a: x }]\n    upper: '
      + '{}\n    ops: [{ op: symlink, path: l, target: ../../etc/shadow }]\n    expect: {}\n',
      /s\.yaml:7: scenarios\[0\]\.ops\[0\]\.target: must match/],
    ['an allocation past the cap',
      'kind: cgroups\nscenarios:\n  - claim: cgroups.memory-high\n    name: n\n    groups: [{ name: h, memoryHigh: '
      + '32M }]\n    allocate: 64G\n    expect: {}\n', /allocate: 64G is more than isolab allocates on a host/],
  ])('%s is refused with file:line', (_, text, want) => {
    expect(parse(text)).toMatch(want);
  });
});
