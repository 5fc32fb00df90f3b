// CPU windows side by side: seats never share a CPU, an every-CPU window is alone, noisy set-up
// never overlaps an open window, the host's lock is held while any seat is, and the evidence
// names the windows measured beside. Time spans are recorded and compared, nothing is assumed.
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(tmpdir(), 'test-windows-test-'));
process.env.ISOLAB_RUNS_DIR = dir; // before src/core/runs.ts reads it
const { measuringWindow, allowedCpus, seatCpus } = await import('../../src/core/windows.js');
const runs = { ...(await import('../../src/core/runs.js')), ...(await import('../../src/core/activity.js')) };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Span = { what: string; cpus: number[]; from: number; to: number };
const overlap = (a: Span, b: Span) => a.from < b.to && b.from < a.to;
const quiet = { say: () => undefined };

/** A window that records its measured span, with noisy set-up and tear-down around it. */
function win(spans: Span[], noisy: Span[], what: string, want: Parameters<typeof measuringWindow>[1], cpus: number[], ms = 60) {
  return measuringWindow(what, want, async (seat) => {
    const mark = async (into: Span[], label: string, t: number) => {
      const from = performance.now();
      await sleep(t);
      into.push({ what: `${what} ${label}`, cpus: seat.cpus, from, to: performance.now() });
    };
    await seat.noisy(() => mark(noisy, 'set-up', 20));
    await seat.quiet(() => mark(spans, 'window', ms));
    await seat.noisy(() => mark(noisy, 'tear-down', 20));
    return seat.cpus;
  }, { ...quiet, cpus });
}

describe('seats', () => {
  it('reads the CPUs this process may use', () => {
    expect(allowedCpus('Name:\tnode\nCpus_allowed_list:\t0-3,6\n')).toEqual([0, 1, 2, 3, 6]);
    expect(allowedCpus('Cpus_allowed_list:\t1\n')).toEqual([1]);
    expect(seatCpus().length).toBeGreaterThanOrEqual(1);
  });

  it('one-CPU windows measure together, each on a CPU of its own, and name each other', async () => {
    const spans: Span[] = [];
    const rs = await Promise.all(['a', 'b', 'c', 'd'].map((w) => win(spans, [], w, { cpu: 0 }, [0, 1], 150)));
    // Two seats: a and b together; the first asked for CPU 0 and got it, the second got CPU 1.
    expect(rs.map((r) => r.value)).toEqual([[0], [1], [0], [1]]);
    const [a, b] = spans.sort((x, y) => x.from - y.from);
    expect(overlap(a!, b!)).toBe(true);
    for (const x of spans) for (const y of spans) if (x !== y && overlap(x, y)) expect(x.cpus).not.toEqual(y.cpus);
    expect(rs[0]!.exclusive.beside).toEqual(['b (CPU 1)']);
    expect(rs[0]!.exclusive.cpus).toEqual([0]);
  });

  it('on one seat, windows take turns (the control: nothing overlaps)', async () => {
    const spans: Span[] = [];
    await Promise.all(['a', 'b', 'c'].map((w) => win(spans, [], w, { cpu: 0 }, [0])));
    for (const x of spans) for (const y of spans) if (x !== y) expect(overlap(x, y)).toBe(false);
  });

  it('an every-CPU window is alone, and the windows after it wait for it (first come, first served)', async () => {
    const spans: Span[] = [];
    const rs = await Promise.all([
      win(spans, [], 'one', { cpu: 0 }, [0, 1, 2], 100),
      win(spans, [], 'all', 'all', [0, 1, 2], 60),
      win(spans, [], 'after', { cpu: 1 }, [0, 1, 2], 60),
    ]);
    const [one, all, after] = ['one', 'all', 'after'].map((w) => spans.find((s) => s.what.startsWith(`${w} `))!);
    expect(rs[1]!.value).toEqual([0, 1, 2]);
    expect(overlap(all!, one!) || overlap(all!, after!)).toBe(false);
    expect(after!.from).toBeGreaterThanOrEqual(all!.to); // it did not jump the queue on CPU 1
  });

  it('noisy set-up and tear-down never overlap an open window', async () => {
    const spans: Span[] = [];
    const noisy: Span[] = [];
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => win(spans, noisy, `w${i}`, { cpu: i % 2 }, [0, 1], 40 + 10 * i)));
    expect(spans.length).toBe(6);
    expect(noisy.length).toBe(12);
    for (const w of spans) for (const n of noisy) expect(overlap(w, n), `${n.what} during ${w.what}`).toBe(false);
  });

  it('the control: without quiet, set-up beside an open window is seen by the same comparison', async () => {
    const spans: Span[] = [];
    const noisy: Span[] = [];
    await Promise.all([
      measuringWindow('open', { cpu: 0 }, async (seat) => {
        const from = performance.now();
        await sleep(80); // measured, but not in quiet(): nothing holds noisy work off
        spans.push({ what: 'open', cpus: seat.cpus, from, to: performance.now() });
      }, { ...quiet, cpus: [0, 1] }),
      measuringWindow('setting up', { cpu: 1 }, async (seat) => {
        await sleep(10);
        await seat.noisy(async () => {
          const from = performance.now();
          await sleep(20);
          noisy.push({ what: 'set-up', cpus: seat.cpus, from, to: performance.now() });
        });
      }, { ...quiet, cpus: [0, 1] }),
    ]);
    expect(overlap(spans[0]!, noisy[0]!)).toBe(true);
  });

  it("holds the host's measuring lock while any seat is held, and releases it after the last", async () => {
    const lock = path.join(dir, 'measure.lock');
    const seen: boolean[] = [];
    await Promise.all([
      measuringWindow('long', { cpu: 0 }, async () => { await sleep(120); seen.push(existsSync(lock)); }, { ...quiet, cpus: [0, 1] }),
      measuringWindow('short', { cpu: 1 }, async () => { await sleep(30); seen.push(existsSync(lock)); }, { ...quiet, cpus: [0, 1] }),
    ]);
    expect(seen).toEqual([true, true]);
    expect(existsSync(lock)).toBe(false);
  });

  it('a window that throws gives its seat back (the next one still gets CPU 0)', async () => {
    await expect(measuringWindow('broken', { cpu: 0 }, async () => { throw new Error('boom'); },
      { ...quiet, cpus: [0, 1] })).rejects.toThrow('boom');
    const r = await measuringWindow('next', { cpu: 0 }, async (seat) => seat.cpu, { ...quiet, cpus: [0, 1] });
    expect(r.value).toBe(0);
  });
});

describe("another run's work and this run's windows", () => {
  const started = (pid: number) =>
    { const st = readFileSync(`/proc/${pid}/stat`, 'utf8'); return st.slice(st.lastIndexOf(')') + 2).split(' ')[19]!; };
  /** A stand-in for another run: a live process registered as a run. */
  const otherRun = (id: string) => {
    const p = spawn('sleep', ['30'], { stdio: 'ignore' });
    runs.registerRun(id, p.pid!);
    /** Mark a worker of that run active on `suite`, as its setup file would; returns the marker. */
    const atWork = (suite: string, phase = 'working') => {
      const marker = path.join(dir, 'active', id, `${suite}.${p.pid}`);
      mkdirSync(path.dirname(marker), { recursive: true });
      writeFileSync(marker, `${started(p.pid!)}\n${phase}`);
      return marker;
    };
    return { p, id, atWork, stop: () => { p.kill(); runs.unregisterRun(id); } };
  };

  it("a window waits for another run's worker at work, and names it", async () => {
    const o = otherRun('otherw');
    const marker = o.atWork('compose');
    try {
      expect(runs.otherRunsAtWork()).toEqual([`run otherw compose (pid ${o.p.pid})`]);
      setTimeout(() => rmSync(marker, { force: true }), 300);
      const r = await measuringWindow('a window', { cpu: 0 }, async () => performance.now(), { ...quiet, cpus: [0, 1] });
      expect(r.exclusive.waitedMs).toBeGreaterThanOrEqual(250);
      expect(r.exclusive.waitedFor).toEqual(['otherw']);
      expect(r.exclusive.otherRunsAtWork).toEqual([]);
    } finally {
      o.stop();
    }
  });

  // CI: a worker that waits looks again every 100–200 ms, marked while it looks; a window's end
  // read it as work beside (concurrent.test, once, in a CI rehearsal).
  it('a worker of another run that is only looking whether it may start: waited for, not work beside', async () => {
    const o = otherRun('otherc');
    const marker = o.atWork('compose', 'checking');
    try {
      expect(runs.otherRunsAtWork({ checking: true })).toEqual([`run otherc compose (pid ${o.p.pid})`]);
      expect(runs.otherRunsAtWork()).toEqual([]);
      setTimeout(() => rmSync(marker, { force: true }), 300);
      const r = await measuringWindow('a window', { cpu: 0 }, async () => {
        o.atWork('compose', 'checking'); // it looks again while the window measures
        return 1;
      }, { ...quiet, cpus: [0, 1] });
      expect(r.exclusive.waitedMs).toBeGreaterThanOrEqual(250);
      expect(r.exclusive.otherRunsAtWork).toEqual([]);
      o.atWork('compose', 'working');
      expect(runs.otherRunsAtWork()).toEqual([`run otherc compose (pid ${o.p.pid})`]);
    } finally {
      o.stop();
    }
  });

  it('the control: a measuring worker of another run (its own windows take the lock) is not work beside', async () => {
    const o = otherRun('otherm');
    o.atWork('cgroups');
    try {
      expect(runs.otherRunsAtWork()).toEqual([]);
    } finally {
      o.stop();
    }
  });

  it("work waits while another run's window is open, its marker withdrawn meanwhile", async () => {
    const o = otherRun('otherl');
    const lock = path.join(dir, 'measure.lock');
    mkdirSync(lock);
    writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ id: o.id, pid: o.p.pid, start: started(o.p.pid!), what: 'a split' }));
    const said: string[] = [];
    try {
      const t0 = performance.now();
      const work = runs.startWork('netns', { say: (x) => said.push(x) });
      await sleep(150);
      expect((runs.activeAlongside() ?? []).some((w) => w.startsWith('netns'))).toBe(false); // withdrawn while it waits
      rmSync(lock, { recursive: true, force: true });
      await work;
      expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
      expect(said[0]).toMatch(/netns waits for run otherl \(pid \d+\), which is measuring a split/);
    } finally {
      runs.markIdle();
      o.stop();
    }
  });
});
