// The VM guest the vm suite boots (provisioning makes it), or a skip that says why.
import type { ClaimContext } from '../../src/claims/claim.js';
import { strict } from '../../src/claims/requirements.js';
import { setting } from '../../src/core/settings.js';
import { guest, VM_DIR, type Guest } from '../../src/vm/tiny-guest.js';

/** The VM guest, or a skip that says why (a failure under CI, where provisioning makes it). */
export async function vmGuest(c: ClaimContext): Promise<Guest> {
  // A VM inside an emulated guest is emulation inside emulation: minutes per boot.
  if (setting('guest') && !c.host.kvm.usable)
    c.skip(`inside the ${setting('guest')} guest (TCG): a VM in an emulated VM does not boot within the check's bound`);
  const g = await guest();
  if (g) return g;
  const why = `no VM guest kernel in ${VM_DIR}: run \`sudo npx isolab provision\``;
  if (strict()) throw new Error(`${why} (CI expects provisioning to make it)`);
  return c.skip(why);
}
