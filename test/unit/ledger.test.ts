import { describe, it, expect } from 'vitest';
import { Ledger } from '../../src/core/ledger.js';

describe('Ledger', () => {
  it('undoes in reverse order of creation', async () => {
    const l = new Ledger();
    const order: string[] = [];
    for (const n of ['mount', 'netns', 'cgroup']) l.add('other', n, () => void order.push(n));
    await l.close();
    expect(order).toEqual(['cgroup', 'netns', 'mount']);
  });

  it('keeps undoing after a failing undo, and reports it', async () => {
    const l = new Ledger();
    const done: string[] = [];
    l.add('mount', 'a', () => void done.push('a'));
    l.add('netns', 'b', () => {
      throw new Error('busy');
    });
    l.add('link', 'c', () => void done.push('c'));
    const failures = await l.close();
    expect(done).toEqual(['c', 'a']);
    expect(failures).toEqual([{ kind: 'netns', name: 'b', error: 'busy' }]);
    expect(l.size).toBe(0);
  });

  it('release undoes one entry now and forgets it', async () => {
    const l = new Ledger();
    let n = 0;
    const e = l.add('mount', 'x', () => void n++);
    await l.release(e);
    await l.close();
    expect(n).toBe(1);
  });
});
