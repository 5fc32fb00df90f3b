// VM: "Live migrations" — a guest counting on its console moves from one QEMU process to another
// on this host and goes on: the same kernel (boot_id), the counter where it stopped. QEMU's own
// figures (downtime, total time, RAM sent) are the evidence; a container has no such move.
import { claim } from '../../src/claims/claim.js';
import { migrateTicker } from '../../src/vm/migrate.js';
import { vmGuest } from './vm-guest.js';
import { migrationChecks } from './migration.js';

claim('vm.live-migration', { needs: ['root', 'qemu'], timeoutMs: 150_000 }, async (c) => {
  const g = await vmGuest(c);
  const accel = c.host.kvm.usable ? 'kvm' : 'tcg';
  const m = await migrateTicker(c.ledger, g, { accel, memMb: 128 });
  const [last, first] = [m.source.at(-1), m.target[0]];
  c.evidence({
    summary: m.status === 'completed'
      ? `${accel}: moved to a second QEMU in ${m.totalMs} ms (downtime ${m.downtimeMs} ms, ${m.transferredMb} MiB `
        + `sent); tick ${last?.n} there, ${first?.n} here, boot_id ${first?.bootId === last?.bootId ? 'the same' : 'another'}`
      : `${accel}: migration ${m.status}${m.error ? `: ${m.error}` : ''}`,
    accel, memMb: m.memMb, status: m.status, downtimeMs: m.downtimeMs, totalMs: m.totalMs, transferredMb: m.transferredMb,
    lastTicksThere: m.source.slice(-3), firstTicksHere: m.target.slice(0, 3), ...(m.error ? { error: m.error } : {}),
    comparison: { 'live migration': { process: '—', container: '— (not checked)',
      vm: m.status === 'completed' ? `to another QEMU in ${m.totalMs} ms, paused ${m.downtimeMs} ms` : m.status } },
  });
  c.verify(migrationChecks(m));
});
