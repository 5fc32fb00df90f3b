// "Live migrations" (VM) as checks over what the two QEMU processes printed. Pure: the negative
// control (test/controls/vm.control.test.ts) gives them a restarted guest's ticks instead.
import type { Check } from '../../src/types/check.js';
import type { Migration } from '../../src/vm/migrate.js';

export function migrationChecks(m: Migration): Check[] {
  const last = m.source.at(-1);
  const first = m.target[0];
  const counts = m.target.every((t, i) => i === 0 || t.n === m.target[i - 1]!.n + 1);
  return [
    { ok: !!last && m.source.length >= 5, what: 'the guest runs and counts in the first QEMU process',
      expected: '≥ 5 ticks', actual: `${m.source.length} ticks${m.error && !last ? ` (${m.error})` : ''}` },
    { ok: m.how === 'migrated' && m.status === 'completed', what: 'QEMU migrates it to a second process on this host',
      expected: 'completed', actual: m.how === 'migrated' ? m.status : 'restarted instead' },
    { ok: !!last && !!first && first.bootId === last.bootId,
      what: 'the same kernel goes on running there: the same boot_id', expected: last?.bootId ?? '—',
      actual: first?.bootId ?? 'no tick from the second process' },
    // The tick the source was printing as it stopped may end on either side: one may be lost, none repeated.
    { ok: !!last && !!first && first.n > last.n && first.n <= last.n + 2 && counts,
      what: 'its counter goes on where it stopped, not from 0', expected: `${last ? last.n + 1 : '?'} (or one more)`,
      actual: first ? `${first.n}, then ${m.target.slice(1, 4).map((t) => t.n).join(', ')}` : '—' },
  ];
}
