// The guest recipe is a plan readable as a value: what `isolab guest build` would run, in order,
// without running it; its hash changes with anything that changes the disk.
import { describe, it, expect } from 'vitest';
import { plan, recipeHash, GUESTS, INIT } from '../../src/guest/recipe.js';
import { runJobScript } from '../../src/guest/run-in-guest.js';
import { emptyRequest } from '../../src/run/request.js';

const req = (suites: string[]) => ({ ...emptyRequest(), suites });
import { qemuArgs } from '../../src/guest/machine.js';

const input = { guest: GUESTS.trixie!, mirror: 'http://mirror.invalid/debian',
  images: [{ ref: 'isolab/busybox:latest', tags: ['alpine:latest'] }], imageIds: ['sha256:a'], work: '/w', diskMb: 6144 };

describe('guest recipe', () => {
  it('plans debootstrap of the suite with the stack, the init, the images, the disk — in that order', () => {
    const steps = plan(input);
    expect(steps[0]!.argv).toEqual(['debootstrap', '--variant=minbase',
      expect.stringMatching(/^--include=linux-image-cloud-amd64,docker\.io,docker-cli,.*docker-compose,docker-buildx,nodejs/), 'trixie', '/w/rootfs', 'http://mirror.invalid/debian']);
    expect(steps.map((s) => s.title)).toEqual([
      'debootstrap trixie (27 packages)', 'write the guest init', 'podman without systemd', 'drop the package cache',
        'make the image folder',
      "save isolab/busybox:latest from the host's engine", 'tags to add inside', 'copy the kernel and initrd out',
      'make the 6144 MB ext4 disk from the tree', 'remove the tree',
    ]);
    expect(steps.find((s) => s.write?.path.endsWith('isolab-init'))!.write!.text).toBe(INIT);
    expect(steps[0]!.argv![2]).toMatch(/,podman,podman-compose,crun,netavark,/);
    expect(steps.find((s) => s.write?.path.endsWith('etc/containers/containers.conf'))!.write!.text).toMatch(/cgroup_manager = "cgroupfs"/);
    expect(steps.find((s) => s.title === 'tags to add inside')!.write!.text).toBe('isolab/busybox:latest alpine:latest\n');
    // every command is bounded
    expect(steps.filter((s) => s.argv).every((s) => (s.timeoutMs ?? 120_000) > 0)).toBe(true);
  });

  it('the recipe hash follows packages and images, not the work folder', () => {
    const h = recipeHash(input);
    expect(recipeHash({ ...input })).toBe(h);
    expect(recipeHash({ ...input, imageIds: ['sha256:b'] })).not.toBe(h);
    expect(recipeHash({ ...input, guest: { ...input.guest, packages: [...input.guest.packages, 'skopeo'] } })).not.toBe(h);
  });

  it('the guest mounts cgroup2 alone (a pure v2 host) and has no network device', () => {
    expect(INIT).toMatch(/mount -t cgroup2 cgroup2 \/sys\/fs\/cgroup/);
    const args = qemuArgs({ dir: '/g', disk: '/g/disk.img', kernel: '/g/vmlinuz', initrd: '/g/initrd.img' },
      '/j/job.img', { accel: 'tcg', memMb: 4096, cpus: 2, writable: false });
    expect(args).toContain('-nodefaults');
    expect(args.join(' ')).not.toMatch(/-netdev|-nic|-net /);
    expect(args).toContain('file=/g/disk.img,if=virtio,format=raw,snapshot=on');
  });

  it('hands the run its request whole, quoted for the guest shell, and runs `isolab run` without arguments', async () => {
    const { execa } = await import('execa');
    const request = { ...req(['cgroups']), claims: ["compose.service-dns › as written (sleep 3)"], beside: 'cpu=0.3' };
    const script = runJobScript(request, 'trixie');
    expect(script).toMatch(/ NO_COLOR=1 node bin\/isolab\.js run 2>&1;/);
    // What the guest's shell hands the command: the same request, read back through the settings module.
    const line = script.split('\n').find((l) => l.includes('ISOLAB_REQUEST='))!;
    const assigned = line.replace(/^\{ /, '').split(' NO_COLOR=1')[0]!;
    const { stdout } = await execa('sh', ['-c', `${assigned} sh -c 'printf %s "$ISOLAB_REQUEST"'`]);
    expect(JSON.parse(stdout)).toEqual(request);
  });

  it("under TCG the guest's vCPUs take turns (one seat for CPU windows), unless ISOLAB_GUEST_VCPUS_SERIAL=0", () => {
    expect(runJobScript(req(['cgroups']), 'trixie', 'tcg')).toContain('ISOLAB_VCPUS_SERIAL=1 ');
    expect(runJobScript(req(['cgroups']), 'trixie', 'kvm')).not.toContain('ISOLAB_VCPUS_SERIAL');
    process.env.ISOLAB_GUEST_VCPUS_SERIAL = '0';
    try {
      expect(runJobScript(req(['cgroups']), 'trixie', 'tcg')).not.toContain('ISOLAB_VCPUS_SERIAL');
    } finally {
      delete process.env.ISOLAB_GUEST_VCPUS_SERIAL;
    }
  });

  it('under --engine podman the job settles podman first (its network is made on first use)', () => {
    const podman = { ...req(['compose']), engine: 'podman' as const };
    expect(runJobScript(podman, 'trixie', 'tcg')).toMatch(/podman run --rm isolab\/busybox:latest true[^]*"engine":"podman"/);
    expect(runJobScript(podman, 'trixie', 'tcg')).not.toMatch(/^start_dockerd/m);
    expect(runJobScript(req(['compose']), 'trixie')).not.toMatch(/podman run/);
  });
});
