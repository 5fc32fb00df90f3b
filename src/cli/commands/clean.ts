// `isolab clean`: remove what an earlier crashed run left behind (isolab-prefixed only).
import { clean } from '../../run/clean.js';
import { runPrefix } from '../../core/names.js';
import { ok, bad } from '../ui.js';

export async function cleanCommand(opts: { json?: boolean; run?: string }): Promise<number> {
  if (opts.run !== undefined && !/^[0-9a-z]{6}$/.test(opts.run)) {
    process.stderr.write(`isolab clean: --run takes a run id (6 characters, as in isolab-<id>-…), not "${opts.run}"\n`);
    return 2;
  }
  const removed = await clean(opts.run ? `${runPrefix(opts.run)}-` : undefined);
  if (opts.json) process.stdout.write(JSON.stringify(removed, null, 2) + '\n');
  else if (!removed.length) process.stdout.write('isolab clean: nothing to remove\n');
  else for (const r of removed)
    process.stdout.write(`${r.error ? bad('✗') : ok('removed')} ${r.kind} ${r.name}${r.error ? `: ${r.error}` : ''}\n`);
  return removed.some((r) => r.error) ? 1 : 0;
}
