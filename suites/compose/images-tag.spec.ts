// "`docker run hello-world` — no version provided: latest". One name, two tags on two different
// images (the offline busybox and golang bases): no tag runs :latest; with no :latest, the name
// is not found — never another tag. --pull never: nothing is fetched from a registry.
import { claim } from '../../src/claims/claim.js';
import { docker } from '../../src/docker/cli.js';
import { BASE_TAGS } from '../../src/docker/base-images.js';
import { resourceName } from '../../src/core/names.js';
import { defaultTagChecks } from './default-tag.js';

// Which image ran: only the golang one has a Go toolchain.
const WHICH = ['sh', '-c', 'if [ -d /usr/lib/go ]; then echo v1; else echo latest; fi'];

claim('image.default-tag', { needs: ['docker', 'image.busybox', 'image.go'] }, async (c) => {
  const name = resourceName('deftag');
  for (const [tag, from] of [['latest', BASE_TAGS.busybox], ['v1', BASE_TAGS.go]] as const) {
    c.ledger.add('image', `${name}:${tag}`, () => docker(['rmi', `${name}:${tag}`], { check: false, timeoutMs: 30_000 }));
    await docker(['tag', from, `${name}:${tag}`], { timeoutMs: 15_000 });
  }
  const runIt = async (ref: string) => {
    const r = await docker(['run', '--rm', '--pull', 'never', '--network', 'none', ref, ...WHICH], { check: false, timeoutMs: 60_000 });
    // The engine's words, without the CLI's "Run 'docker run --help'" line.
    return { exit: r.exitCode, out: r.stdout.trim(),
      err: r.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/--help/.test(l)).join(' | ') };
  };
  const bare = await runIt(name);
  const tagged = await runIt(`${name}:v1`);
  const id = async (ref: string) =>
    (await docker(['image', 'inspect', '--format', '{{.Id}}', ref], { check: false, timeoutMs: 15_000 })).stdout.trim();
  const [bareId, latestId] = [await id(name), await id(`${name}:latest`)];
  await docker(['rmi', `${name}:latest`], { timeoutMs: 30_000 });
  const gone = await runIt(name);
  c.evidence({
    summary: `\`run ${name.split('-').pop()}\` ran ${bare.out || '—'}; with :latest removed (v1 still there): `
      + `exit ${gone.exit}, "${gone.err}"`,
    name, noTag: bare, v1: tagged, withoutLatest: gone, ids: { name: bareId, latest: latestId },
  });
  c.verify(defaultTagChecks({ bare, tagged, bareId, latestId, gone }));
});
