// `docker save` and what is inside: manifest.json lists each image's layers, as
// "<id>/layer.tar" (legacy layout) or "blobs/sha256/<digest>" (OCI layout, Docker 25+).
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/exec.js';
import { docker } from './cli.js';

export interface SavedImage {
  tarball: string;
  layout: 'legacy' | 'oci';
  layers: string[];
}

export async function saveImage(ref: string, dir: string): Promise<SavedImage> {
  const tarball = path.join(dir, 'test.tar');
  await docker(['save', ref, '-o', tarball], { timeoutMs: 60_000 });
  const out = path.join(dir, 'unpacked');
  await mkdir(out);
  await run('tar', ['xf', tarball, '-C', out], { timeoutMs: 60_000 });
  const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>;
  const layers = manifest[0]?.Layers ?? [];
  return { tarball, layout: layers.some((l) => l.startsWith('blobs/')) ? 'oci' : 'legacy', layers: layers.map((l) => path.join(out, l)) };
}

/** The first layer whose tar holds `file`. */
export async function layerWith(saved: SavedImage, file: string): Promise<string | null> {
  const want = file.replace(/^\//, '');
  for (const l of saved.layers) {
    const list = await run('tar', ['tf', l], { timeoutMs: 30_000 });
    if (list.stdout.split('\n').some((e) => e.replace(/^\.\//, '') === want)) return l;
  }
  return null;
}
