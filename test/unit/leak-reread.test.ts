// The leak check reads the host again before it calls a change a leak: what is gone a second
// later (another run's container's veth, as its container is removed) was not left behind.
import { describe, it, expect, vi, beforeEach } from 'vitest';
import type { HostSnapshot } from '../../src/leaks/types.js';

const readings: HostSnapshot[] = [];
vi.mock('../../src/leaks/snapshot.js', () => ({ snapshot: async () => readings.shift() ?? readings[readings.length - 1] }));
vi.mock('../../src/core/faults.js', () => ({ engineAnswers: async () => true }));

const empty = (): HostSnapshot =>
  ({ mounts: [], netns: [], links: ['lo', 'eth0', 'docker0'], addresses: [], routes: [], cgroups: [], containers: [],
  networks: [], images: [], iptables: [], nftables: [], sysctls: [], tempdirs: [], processes: [], owned: {} });

describe('the leak check reads again', () => {
  beforeEach(() => void readings.splice(0));
  it('a link gone a second later is no leak, and says why; one still there is', async () => {
    const { judgeHost } = await import('../../src/leaks/check.js');
    const { isLeak } = await import('../../src/leaks/types.js');
    const withBoth = { ...empty(), links: [...empty().links, 'veth1a2b3c4', 'isolab-zzzzzz-x'] };
    readings.push(withBoth, { ...empty(), links: [...empty().links, 'isolab-zzzzzz-x'] });
    const { all } = await judgeHost(empty());
    expect(all.filter(isLeak).map((l) => l.item)).toEqual(['isolab-zzzzzz-x']);
    expect(all.find((l) => l.item === 'veth1a2b3c4')?.not).toMatch(/^gone when the host was read again/);
  });
  it('the negative control: still there when read again, both are leaks', async () => {
    const { judgeHost } = await import('../../src/leaks/check.js');
    const { isLeak } = await import('../../src/leaks/types.js');
    const withBoth = { ...empty(), links: [...empty().links, 'veth1a2b3c4', 'isolab-zzzzzz-x'] };
    readings.push(withBoth, withBoth);
    expect((await judgeHost(empty())).all.filter(isLeak).map((l) => l.item)).toEqual(['veth1a2b3c4', 'isolab-zzzzzz-x']);
  });
});
