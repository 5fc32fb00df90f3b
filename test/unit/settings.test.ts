// One module reads isolab's environment variables; docs/settings.md is its table.
import { describe, it, expect, afterEach } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { SETTINGS, settingsMarkdown, numberSetting, setting, list, envWith, harnessBound } from '../../src/core/settings.js';
import { ROOT } from '../../src/core/paths.js';

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(ROOT, dir), { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (/\.(ts|mjs)$/.test(e.name)) out.push(p);
  }
  return out;
}

// Variables of scripts isolab writes (passed to the script, not read from isolab's environment).
const SCRIPT_VARS = new Set(['ISOLAB_PROCS', 'ISOLAB_ROOT', 'ISOLAB_HOSTNAME']);

describe('settings', () => {
  afterEach(() => {
    delete process.env.ISOLAB_HOLD_MS;
    delete process.env.ISOLAB_EXPECT;
    delete process.env.ISOLAB_EMULATED;
  });

  it("a harness bound is the claim's on a host, three times it in an emulated guest", () => {
    expect(harnessBound(60_000)).toBe(60_000);
    process.env.ISOLAB_EMULATED = '1';
    expect(harnessBound(60_000)).toBe(180_000);
  });

  it('nothing but src/core/settings.ts reads an ISOLAB_* variable from the environment', async () => {
    const files = [...(await sources('src')), ...(await sources('suites')),
      'vitest.config.ts', 'bin/isolab.js'];
    const readers: string[] = [];
    for (const f of files.filter((x) => x !== 'src/core/settings.ts')) {
      const text = await readFile(path.join(ROOT, f), 'utf8');
      text.split('\n').forEach((l, i) => /\benv\.ISOLAB_|env\[['"]ISOLAB_/.test(l) && readers.push(`${f}:${i + 1}`));
    }
    expect(readers).toEqual([]);
  });

  it('every ISOLAB_* name the sources mention is a setting (a misspelt one is caught here)', async () => {
    const known = new Set(Object.values(SETTINGS).map((s) => s.env));
    const unknown = new Set<string>();
    for (const f of [...(await sources('src')), ...(await sources('suites'))]) {
      for (const m of (await readFile(path.join(ROOT, f), 'utf8')).matchAll(/\bISOLAB_[A-Z_]+\b/g)) {
        if (!known.has(m[0] as never) && !SCRIPT_VARS.has(m[0])) unknown.add(`${m[0]} in ${f}`);
      }
    }
    expect([...unknown]).toEqual([]);
  });

  it('docs/settings.md is the table (regenerate: isolab settings > docs/settings.md)', async () => {
    expect(await readFile(path.join(ROOT, 'docs/settings.md'), 'utf8')).toBe(settingsMarkdown());
  });

  it('reads values when asked, says what is wrong with a bad number, and builds a child environment', () => {
    expect(numberSetting('holdMs', 0)).toBe(0);
    process.env.ISOLAB_HOLD_MS = '250';
    expect(numberSetting('holdMs', 0)).toBe(250);
    process.env.ISOLAB_HOLD_MS = 'soon';
    expect(() => numberSetting('holdMs', 0)).toThrow(/ISOLAB_HOLD_MS="soon" is not a number: keep what a check built/);
    process.env.ISOLAB_EXPECT = 'kvm, podman,';
    expect(list('expect')).toEqual(['kvm', 'podman']);
    process.env.ISOLAB_EXPECT = '';
    expect(setting('expect')).toBeUndefined();
    expect(envWith({ reports: '/tmp/r', runId: undefined })).toEqual({ ISOLAB_REPORTS: '/tmp/r', ISOLAB_RUN_ID: undefined });
  });
});
