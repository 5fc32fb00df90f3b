// A clone starts from its compiled copy (.build/, made by `npm ci`) only while no source is newer.
import { describe, it, expect } from 'vitest';
import { mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error: plain JavaScript of the bin/ folder, without types
import { compiledDir } from '../../bin/load.js';
// @ts-expect-error: likewise
import { newestSource, STAMP } from '../../bin/sources.js';

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'test-unit-clone-'));
  for (const [f, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), text);
  }
  return root;
}

describe('a clone\'s compiled copy', () => {
  it('is used while fresh, and not once a source is newer or its stamp is missing', async () => {
    const root = await tree({ 'src/cli/main.ts': '', 'src/core/a.ts': '', '.build/src/cli/main.js': '' });
    try {
      expect(compiledDir(root)).toBe(null); // no stamp: not known to be fresh
      await writeFile(path.join(root, '.build', STAMP), `${newestSource(root)}\n`);
      expect(compiledDir(root)).toBe('.build');
      const later = new Date(Date.now() + 5000);
      await utimes(path.join(root, 'src/core/a.ts'), later, later);
      expect(compiledDir(root)).toBe(null);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('gives way to the package\'s dist/', async () => {
    const root = await tree({ 'src/cli/main.ts': '', 'dist/src/cli/main.js': '' });
    try {
      expect(compiledDir(root)).toBe('dist');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
