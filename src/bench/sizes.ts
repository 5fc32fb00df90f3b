// bench.sizes: image and VM sizes side by side, and memory: what an idle container adds
// (its shim and process) against what a VM is given and uses.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { workspace } from '../core/fs.js';
import { docker, inspect, runContainer } from '../docker/cli.js';
import { buildImage, imageSize } from '../docker/build.js';
import { BASE_TAGS } from '../docker/base-images.js';
import { guest, guestSizes, boot } from '../vm/tiny-guest.js';
import type { BenchContext } from './types.js';

import { ROOT as repo } from '../core/paths.js';

async function rssKb(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''));
  return m ? Number(m[1]) : 0;
}
async function ppid(pid: number): Promise<number> {
  const m = /\) \S (\d+)/.exec(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
  return m ? Number(m[1]) : 0;
}

export async function sizes(ctx: BenchContext): Promise<Record<string, unknown>> {
  const builder = ctx.host.builder ?? 'legacy';
  ctx.progress('sizes: building the hello and multi-stage images…');
  const hello = await buildImage(ctx.ledger,
    await workspace(ctx.ledger, path.join(repo, 'fixtures/lecture/hello'), 'bench-hello'), { label: 'bench-hello', builder });
  const ms = await workspace(ctx.ledger, path.join(repo, 'fixtures/lecture/compose'), 'bench-ms');
  const final = await buildImage(ctx.ledger, ms, { label: 'bench-final', builder });
  const stage = await buildImage(ctx.ledger, ms, { label: 'bench-builder', target: 'builder', builder });
  const images = {
    base: await imageSize(BASE_TAGS.busybox),
    hello: await imageSize(hello.tag),
    multistageFinal: await imageSize(final.tag),
    multistageBuilder: await imageSize(stage.tag),
  };
  const g = await guest();
  const vm = g ? await guestSizes(g) : null;

  ctx.progress('sizes: memory of an idle container and of a VM…');
  const ct = await runContainer(ctx.ledger, 'idle', ['--network', 'none', BASE_TAGS.busybox, 'sleep', '60']);
  const st = await inspect<{ State: { Pid: number } }>(ct.name);
  await new Promise((r) => setTimeout(r, 300));
  const shim = await ppid(st.State.Pid);
  const container = { processRssKb: await rssKb(st.State.Pid), shimRssKb: await rssKb(shim), shimPid: shim };
  await docker(['rm', '-f', ct.name], { check: false });
  const vmBoot = g ? await boot(g, 'tcg', 60_000) : null;
  return {
    imagesBytes: images,
    vmImageBytes: vm ? { ...vm, total: vm.kernelBytes + vm.initrdBytes } : null,
    memory: {
      containerAddedKb: container.processRssKb + container.shimRssKb,
      container,
      vm: vmBoot ? { givenKb: 128 * 1024, guestTotalKb: vmBoot.memTotalKb, guestUsedKb: vmBoot.memUsedKb } : null,
    },
  };
}
