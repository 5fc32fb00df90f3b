// The Debian mirror debootstrap uses: the host's own (provisioning the Go image, building guests).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setting } from '../core/settings.js';

/** The Debian mirror this host's apt uses (debootstrap needs one). */
export async function debianMirror(): Promise<string> {
  if (setting('mirror')) return setting('mirror')!;
  const srcDir = '/etc/apt/sources.list.d';
  const texts = [
    ...(await Promise.all((await readdir(srcDir).catch(() => [])).map((f) => readFile(path.join(srcDir, f), 'utf8').catch(() => '')))),
    await readFile('/etc/apt/sources.list', 'utf8').catch(() => ''),
  ].join('\n');
  const m = /^URIs:\s*(\S*\/debian)\/?\s*$/m.exec(texts) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S*\/debian)\/?\s/m.exec(texts);
  if (!m) throw new Error('no Debian mirror in /etc/apt sources (debootstrap needs one); set ISOLAB_MIRROR=<mirror URL>');
  return m[1]!;
}
