// Can this host mount an overlay, and which whiteout does the kernel leave in upperdir?
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ledger } from '../core/ledger.js';
import { scratchDir } from '../core/fs.js';
import { mountOverlay } from './mount.js';
import { whiteoutKind, type WhiteoutKind } from './inspect.js';

export interface OverlayProbe {
  supported: boolean;
  whiteout: WhiteoutKind | null;
  reason?: string;
}

export async function probeOverlay(): Promise<OverlayProbe> {
  const ledger = new Ledger('overlay-probe');
  try {
    const root = await scratchDir(ledger, 'probe', { sizeMb: 1 });
    const [lower, upper, work, merged] = ['l', 'u', 'w', 'm'].map((d) => path.join(root, d));
    await Promise.all([lower, upper, work, merged].map((d) => mkdir(d!)));
    await writeFile(path.join(lower!, 'f'), 'x');
    await mountOverlay(ledger, { lower: [lower!], upper, work, target: merged! });
    await rm(path.join(merged!, 'f'));
    return { supported: true, whiteout: await whiteoutKind(path.join(upper!, 'f')) };
  } catch (e) {
    return { supported: false, whiteout: null, reason: (e as Error).message };
  } finally {
    await ledger.close();
  }
}
