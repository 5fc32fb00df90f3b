// `isolab guest build | list | rm`: the cached VM guests (src/guest/build.ts builds them).
import { buildGuest, listGuests, removeGuest } from '../../guest/build.js';

const versions = (v: Record<string, string>) => Object.entries(v).map(([k, x]) => `${k} ${x}`).join(', ');

export async function guestBuild(name: string, o: { force?: boolean }): Promise<number> {
  try {
    const r = await buildGuest(name, { force: o.force, accel: 'tcg' });
    process.stdout.write(`${name}: ${r.cached ? 'cached' : `built in ${r.manifest.buildSeconds} s`} `
      + `— ${versions(r.manifest.versions)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`isolab guest build: ${(e as Error).message}\n`);
    return 1;
  }
}

export async function guestList(): Promise<number> {
  for (const g of await listGuests()) {
    process.stdout.write(g.manifest
      ? `${g.name.padEnd(8)} ${g.sizeMb} MB, built ${g.manifest.builtAt} (${g.manifest.buildSeconds} s), `
        + `${versions(g.manifest.versions)}\n`
      : `${g.name.padEnd(8)} not built (isolab guest build ${g.name})\n`);
  }
  return 0;
}

export async function guestRemove(name: string): Promise<number> {
  try {
    process.stdout.write((await removeGuest(name)) ? `removed ${name}\n` : `${name} was not built\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`isolab guest rm: ${(e as Error).message}\n`);
    return 2;
  }
}
