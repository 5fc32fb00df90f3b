// bench.primitive-costs: create + destroy of a netns with a veth pair, an overlay mount +
// umount, a cgroup mkdir + rmdir — per operation, on this kernel.
import { mkdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/exec.js';
import { scratchDir } from '../core/fs.js';
import { resourceName } from '../core/names.js';
import { measure, type RungStats } from './measure.js';
import type { BenchContext } from './types.js';

export async function primitives(ctx: BenchContext): Promise<Record<string, RungStats & { op: string }>> {
  const n = ctx.samples ?? (ctx.quick ? 10 : 50);
  const out: Record<string, RungStats & { op: string }> = {};
  let i = 0;

  ctx.progress('primitives: netns + veth…');
  out.netns = {
    op: 'ip netns add; ip -n NS link add veth0 type veth peer name veth1; ip netns delete',
    ...(await measure(async () => {
      const ns = resourceName(`p${i++}`);
      await run('ip', ['netns', 'add', ns]);
      try {
        await run('ip', ['-n', ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1']);
      } finally {
        await run('ip', ['netns', 'delete', ns]);
      }
    }, { samples: n })),
  };

  ctx.progress('primitives: overlay mount + umount…');
  const root = await scratchDir(ctx.ledger, 'prim', { sizeMb: 4 });
  const [l, u, w, m] = ['l', 'u', 'w', 'm'].map((d) => path.join(root, d));
  for (const d of [l, u, w, m]) await mkdir(d!);
  out.overlay = {
    op: 'mount -t overlay (lower, upper, work); umount',
    ...(await measure(async () => {
      await run('mount', ['-t', 'overlay', '-o', `lowerdir=${l},upperdir=${u},workdir=${w}`, 'overlay', m!]);
      await run('umount', [m!]);
    }, { samples: n })),
  };

  ctx.progress('primitives: cgroup mkdir + rmdir…');
  const cpu = ctx.host.cgroupControllers.cpu;
  if (cpu) {
    out.cgroup = {
      op: `mkdir + rmdir under ${cpu.path}`,
      ...(await measure(async () => {
        const d = path.join(cpu.path, resourceName(`cg${i++}`));
        await mkdir(d);
        await rmdir(d);
      }, { samples: n * 4 })),
    };
  }
  return out;
}
