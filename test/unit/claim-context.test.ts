// The claim binding: verify() records every check and fails with the ones that did not hold;
// captures run only for a failure and land in the evidence; skip() records its reason.
import { describe, it, expect } from 'vitest';
import type { TestContext } from 'vitest';
import { ClaimContext, ClaimFailure, brief, type ClaimMeta } from '../../src/claims/claim.js';
import { currentHost } from '../../src/claims/current-host.js';
import { cgroupDriver } from '../../src/cgroups/select.js';
import { dumpRunGroups } from '../../src/cgroups/fsgroup.js';
import { runPrefix } from '../../src/core/names.js';

/** Run fn with ISOLAB_STRICT set to value, then put it back. */
async function withStrict(value: string, fn: () => Promise<void> | void): Promise<void> {
  const before = process.env.ISOLAB_STRICT;
  process.env.ISOLAB_STRICT = value;
  try {
    await fn();
  } finally {
    if (before === undefined) delete process.env.ISOLAB_STRICT;
    else process.env.ISOLAB_STRICT = before;
  }
}

const fakeCtx = () => {
  const meta: ClaimMeta = {};
  let skipped: string | undefined;
  const ctx = { task: { meta }, skip: (note: string) => { skipped = note; throw new Error('skipped'); } } as unknown as TestContext;
  return { ctx, meta, skipped: () => skipped };
};

describe('ClaimContext', () => {
  it('verify records all checks and fails naming each one that did not hold', async () => {
    const { ctx, meta } = fakeCtx();
    const c = new ClaimContext(ctx, await currentHost(), 't');
    expect(() => c.verify([{ ok: true, what: 'fine' },
      { ok: false, what: 'red gets 80%', expected: '80%', actual: '50%' }])).toThrow(ClaimFailure);
    expect(meta.checks).toHaveLength(2);
    try {
      c.verify([{ ok: false, what: 'x', expected: 1, actual: 2 }]);
    } catch (e) {
      expect((e as Error).message).toBe('✗ x: expected 1, got 2');
    }
    await c.ledger.close();
  });

  it('captures only run for a failure, and land in the evidence', async () => {
    const { ctx, meta } = fakeCtx();
    const c = new ClaimContext(ctx, await currentHost(), 't');
    c.captureOnFailure('mountinfo', async () => 'the lines');
    c.captureOnFailure('broken', async () => { throw new Error('nope'); });
    expect(meta.captured).toBeUndefined();
    await c.runCaptures();
    expect(meta.captured).toEqual({ mountinfo: 'the lines', broken: 'capture failed: nope' });
    await c.ledger.close();
  });

  it('a missing capability skips with the reason (outside strict mode)', async () => {
    const { ctx, meta } = fakeCtx();
    const c = new ClaimContext(ctx, { ...(await currentHost()), qemu: null }, 't');
    await withStrict('0', () => {
      expect(() => c.needs('qemu')).toThrow();
      expect(meta.skipReason).toMatch(/qemu-system-x86_64 not installed/);
    });
    await c.ledger.close();
  });

  it('under CI a missing provided capability fails instead of skipping', async () => {
    const { ctx, meta } = fakeCtx();
    const c = new ClaimContext(ctx, { ...(await currentHost()), qemu: null }, 't');
    await withStrict('1', () => {
      expect(() => c.needs('qemu')).toThrow(/CI expects this host to provide "qemu"/);
      expect(meta.skipReason).toBeUndefined();
      // kvm is not provided by provisioning: still a skip.
      expect(() => c.needs('kvm')).toThrow();
      expect(meta.skipReason).toMatch(/KVM not usable/);
    });
    await c.ledger.close();
  });

  it('brief() keeps a failure message to one line', () => {
    expect(brief('a\nb\nb\nc')).toBe('"c" (+2 more lines)');
    expect(brief('x'.repeat(500)).length).toBeLessThanOrEqual(204);
  });
});

describe.skipIf(process.getuid?.() !== 0)('dumpRunGroups', () => {
  it("reads the run's group files", async () => {
    const { Ledger } = await import('../../src/core/ledger.js');
    const l = new Ledger();
    try {
      const g = await cgroupDriver(await currentHost()).create(l, 'dumped', ['cpu', 'pids']);
      await g.setPidsLimit(7);
      const files = await dumpRunGroups(runPrefix());
      const pidsMax = Object.entries(files).find(([f]) => f.endsWith('/dumped/pids.max'));
      expect(pidsMax?.[1]).toBe('7');
    } finally {
      await l.close();
    }
  });
});
