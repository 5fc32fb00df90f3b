// Unpacking an image's layers without `docker export` (src/oci/bundle.ts): each layer over the one
// below, its whiteouts applied. isolab's busybox image has one layer, so this runs the whiteout
// paths on layers made here with tar (the OCI layer format's `.wh.` names).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../src/core/exec.js';
import { applyLayer } from '../../src/oci/bundle.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'layer-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function layer(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(tmp, `${name}-src`);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  const tar = path.join(tmp, `${name}.tar`);
  await run('tar', ['cf', tar, '-C', dir, '.'], { timeoutMs: 10_000 });
  return tar;
}

describe('applying image layers', () => {
  it('a whiteout removes the lower file, an opaque dir hides the lower dir, the rest lands', async () => {
    const rootfs = path.join(tmp, 'rootfs');
    mkdirSync(rootfs);
    await applyLayer(await layer('lower', { 'a/x': 'x', 'a/keep': 'k', 'b/y': 'y' }), rootfs);
    await applyLayer(await layer('upper', { 'a/.wh.x': '', 'b/.wh..wh..opq': '', 'b/z': 'z' }), rootfs);
    expect(readdirSync(path.join(rootfs, 'a')).sort()).toEqual(['keep']);
    expect(readdirSync(path.join(rootfs, 'b')).sort()).toEqual(['z']);
    expect(existsSync(path.join(rootfs, 'a/.wh.x'))).toBe(false);
  });
});
