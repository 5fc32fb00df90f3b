// Is KVM really usable? /dev/kvm can open while a guest hangs (nested virtualization):
// only a time-bounded boot of the real guest tells.
import type { HostInfo } from '../types/host.js';
import { guest, boot } from './tiny-guest.js';

export async function probeKvmBoot(dev: HostInfo['kvm'], timeoutMs = 15_000): Promise<HostInfo['kvm']> {
  if (!dev.device || dev.usable === false) return dev;
  const g = await guest();
  if (!g) return { ...dev, usable: null,
    reason: '/dev/kvm opens, but no guest kernel to test it with yet: run `sudo npx isolab provision`' };
  const r = await boot(g, 'kvm', timeoutMs);
  if (r.up) return { device: true, usable: true, reason: `a KVM guest booted in ${Math.round(r.ms)} ms` };
  return {
    device: true,
    usable: false,
    reason: r.timedOut
      ? `/dev/kvm opens but a KVM guest printed nothing within ${timeoutMs / 1000} s (nested virtualization?); VMs run under TCG`
      : `a KVM guest failed: ${r.output.trim().split('\n').pop() ?? 'no output'}`,
  };
}
