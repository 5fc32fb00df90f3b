// The startup ladder: time to exit of a no-op at each rung, process → … → VM. Each rung is
// declared here; src/bench runs them all in one run on one machine, so the ratios hold.
import { ociBundle, runcRun } from '../oci/bundle.js';
import { scratchDir } from '../core/fs.js';
import { resourceName, runId } from '../core/names.js';

/** Unnamed short-lived containers carry the run's label: another run's leak check knows whose they are. */
const runLabel = () => `isolab.run=${runId()}`;
import { docker } from '../docker/cli.js';
import { engineName } from '../core/engine-name.js';
import { BASE_TAGS } from '../docker/base-images.js';
import { guest, boot, type Accel } from '../vm/tiny-guest.js';
import { probeKvmBoot } from '../vm/kvm-probe.js';
import type { BenchContext, Rung } from './types.js';
import { prepareRootfs, runInContainer } from '../container/runner.js';
import { Ledger } from '../core/ledger.js';

const UNSHARE = ['unshare', '--fork', '--pid', '--mount', '--uts', '--ipc', '--net', 'true'];
let seq = 0;

/**
 * The operation tinybench times: the command's own duration, measured by the exec timer in
 * batches of samples run back to back (tinybench takes each as a sample, overriddenDuration).
 */
const timed = (ctx: BenchContext, argv: () => string[], batch = 20) => {
  const ready: number[] = [];
  return async () => {
    if (!ready.length) ready.push(...(await ctx.timer.batch(Array.from({ length: batch }, argv))));
    return { overriddenDuration: ready.shift()! };
  };
};

export const ladder: Rung[] = [
  {
    rung: 'process',
    role: 'floor',
    command: '/bin/true',
    needs: [],
    samples: { full: 200, quick: 50 },
    warmup: 10,
    hyperfine: ['/bin/true'],
    setup: async (ctx) => ({ op: timed(ctx, () => ['/bin/true']) }),
  },
  {
    rung: 'namespaces',
    command: UNSHARE.join(' '),
    needs: ['root', 'tool.unshare'],
    samples: { full: 100, quick: 30 },
    warmup: 5,
    hyperfine: UNSHARE,
    setup: async (ctx) => ({ op: timed(ctx, () => UNSHARE) }),
  },
  {
    rung: 'oci-runtime',
    command: 'runc run --bundle <busybox rootfs> <id>   (process: true)',
    needs: ['root', 'runc', 'docker', 'image.busybox'],
    samples: { full: 30, quick: 10 },
    warmup: 2,
    setup: async (ctx) => {
      const dir = await scratchDir(ctx.ledger, 'bundle', { sizeMb: 32 });
      const b = await ociBundle(dir, BASE_TAGS.busybox, ['/bin/true']);
      const first = await runcRun(b, resourceName(`runc-${seq++}`));
      if (first.exitCode !== 0) throw new Error(`runc run failed: ${first.stderr.trim()}`);
      return { op: timed(ctx, () => ['runc', 'run', '--bundle', b.dir, resourceName(`runc-${seq++}`)], 5) };
    },
  },
  {
    rung: 'isolab container',
    command: 'overlay rootfs + pid/mount/uts/ipc/net namespaces + pivot_root + cgroup + veth/bridge/NAT (src/container)',
    needs: ['root', 'overlay', 'netns', 'iptables', 'cgroup.cpu', 'cgroup.memory', 'cgroup.pids', 'docker', 'image.busybox'],
    samples: { full: 20, quick: 5 },
    warmup: 1,
    setup: async (ctx) => {
      const rootfs = await prepareRootfs(ctx.ledger, BASE_TAGS.busybox);
      return {
        op: async () => {
          // Set up, run /bin/true, tear down — what `docker run --rm` does too.
          const l = new Ledger('bench-container');
          try {
            const r = await runInContainer(l, ctx.host,
              { hostname: 'isolab-bench', rootfs, command: ['/bin/true'], limits: { memoryBytes: 64 << 20, pids: 64 } });
            if (r.exitCode !== 0) throw new Error(`isolab container exited ${r.exitCode}: ${r.stderr.trim()}`);
          } finally {
            await l.close();
          }
        },
      };
    },
  },
  {
    rung: 'container (--network none)',
    role: 'container',
    command: `docker run --rm --network none ${BASE_TAGS.busybox} true`,
    needs: ['docker', 'image.busybox'],
    samples: { full: 20, quick: 5 },
    warmup: 1,
    hyperfine: ['docker', 'run', '--rm', '--label', runLabel(), '--network', 'none', BASE_TAGS.busybox, 'true'],
    setup: async (ctx) => ({ op: timed(ctx,
      () => ['docker', 'run', '--rm', '--label', runLabel(), '--network', 'none', BASE_TAGS.busybox, 'true'], 5) }),
  },
  {
    // The same container through the engine's API, not its CLI: how much of `docker run` is the
    // CLI (its start, its API calls one by one). testcontainers, with no reaper: its Ryuk image
    // comes from a registry, and the ledger removes what a sample left.
    rung: 'container (engine API: testcontainers)',
    command: `new GenericContainer(${BASE_TAGS.busybox}).withCommand(['true']).withNetworkMode('none').start(), then stop()`,
    needs: ['docker', 'image.busybox'],
    samples: { full: 20, quick: 5 },
    warmup: 1,
    setup: async (ctx) => {
      if (engineName() !== 'docker')
        throw new Error('testcontainers drives the Docker engine here (its podman support needs the podman socket)');
      process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
      const { GenericContainer, Wait } = await import('testcontainers');
      return {
        op: async () => {
          const name = resourceName(`tc-${seq++}`);
          const removeLeft = ctx.ledger.add('container', name, () => docker(['rm', '-f', name], { check: false }));
          // Started is enough: `true` exits at once, as under `docker run` (the default wait
          // strategy would wait for ports it has none of).
          const c = await new GenericContainer(BASE_TAGS.busybox).withName(name).withLabels({ 'isolab.run': runId() })
            .withNetworkMode('none').withCommand(['true']).withWaitStrategy(Wait.forOneShotStartup()).withStartupTimeout(30_000).start();
          await c.stop({ remove: true, removeVolumes: true, timeout: 0 });
          ctx.ledger.forget(removeLeft);
        },
      };
    },
  },
  {
    rung: 'container (bridge)',
    command: `docker run --rm ${BASE_TAGS.busybox} true`,
    needs: ['docker', 'image.busybox'],
    samples: { full: 20, quick: 5 },
    warmup: 1,
    setup: async (ctx) => ({ op: timed(ctx, () => ['docker', 'run', '--rm', '--label', runLabel(), BASE_TAGS.busybox, 'true'], 5) }),
  },
  {
    rung: 'container (warm start)',
    command: 'docker start -a <created container>',
    needs: ['docker', 'image.busybox'],
    samples: { full: 20, quick: 5 },
    warmup: 1,
    setup: async (ctx) => {
      const name = resourceName('warm');
      ctx.ledger.add('container', name, () => docker(['rm', '-f', name], { check: false }));
      await docker(['create', '--name', name, '--network', 'none', BASE_TAGS.busybox, 'true']);
      return { op: timed(ctx, () => ['docker', 'start', '-a', name], 5) };
    },
  },
  {
    rung: 'vm',
    role: 'vm',
    command: 'qemu-system-x86_64 -kernel vmlinuz -initrd busybox.cpio.gz (init prints a marker, powers off)',
    needs: ['qemu'],
    samples: { full: 5, quick: 1 },
    setup: async (ctx) => {
      const g = await guest();
      if (!g) throw new Error('no VM guest: run `sudo npx isolab provision`');
      ctx.progress('vm: probing KVM with a bounded guest boot…');
      const kvm = await probeKvmBoot(ctx.host.kvm, 8000);
      const accel: Accel = kvm.usable ? 'kvm' : 'tcg';
      return {
        accelerator: accel,
        note: kvm.usable ? kvm.reason : `TCG: ${kvm.reason}`,
        op: async () => {
          const r = await boot(g, accel, 60_000);
          if (!r.up) throw new Error(`guest did not print its marker (${r.timedOut ? 'timed out' : 'exited'}): ${r.output.slice(-300)}`);
        },
      };
    },
  },
];
