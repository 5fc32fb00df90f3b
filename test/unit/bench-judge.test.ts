import { describe, it, expect } from 'vitest';
import { judgeSection } from '../../src/bench/rungs.js';

const sizes = (over: Record<string, unknown> = {}) => ({
  imagesBytes: { base: 2e6, hello: 2e6, multistageFinal: 4.6e6, multistageBuilder: 631e6 },
  vmImageBytes: { total: 15.2e6 },
  memory: { containerAddedKb: 14_000, vm: { givenKb: 131_072 } },
  ...over,
});

describe('bench section verdicts', () => {
  it("sizes hold on this machine's numbers", () => {
    expect(judgeSection('sizes', sizes()).every((c) => c.ok)).toBe(true);
  });
  it('sizes fail when a container image is not smaller, or the VM image is missing', () => {
    expect(judgeSection('sizes', sizes({ vmImageBytes: { total: 1e6 } })).find((c) =>
      !c.ok)?.what).toMatch(/smaller than a minimal VM image/);
    expect(judgeSection('sizes', sizes({ vmImageBytes: null }))[0]!.ok).toBe(false);
    expect(judgeSection('sizes',
      sizes({ imagesBytes: { base: 2e6, multistageFinal: 700e6, multistageBuilder: 631e6 } }))[1]!.ok).toBe(false);
  });
  it('primitive costs fail when one was not measured', () => {
    const m = { meanMs: 1, samples: 10 };
    expect(judgeSection('primitives', { netns: m, overlay: m, cgroup: m }).every((c) => c.ok)).toBe(true);
    expect(judgeSection('primitives', { netns: m, overlay: m }).map((c) => c.ok)).toEqual([true, true, false]);
  });
});
