// Suites side by side in one run: a CPU window refuses to measure beside another active worker
// of its run; builds and image cleanups take turns on the engine's cache; a build's cleanup
// removes only the images its own output names.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(tmpdir(), 'test-runs-test-'));
process.env.ISOLAB_RUNS_DIR = dir; // before src/core/runs.ts reads it
const runs = { ...(await import('../../src/core/runs.js')), ...(await import('../../src/core/activity.js')),
  ...(await import('../../src/docker/engine-cache.js')), ...(await import('../../src/core/windows.js')) };
const { mentionedIds, ownNewImages } = await import('../../src/docker/build.js');
const { runId } = await import('../../src/core/names.js');
const start = (pid: number) =>
  { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); return s.slice(s.lastIndexOf(')') + 2).split(' ')[19]!; };
const sleeper = () => spawn('sleep', ['30'], { stdio: 'ignore' });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a CPU window and the other workers of its run', () => {
  let other: ChildProcess;
  const marker = () => path.join(dir, 'active', runId(), `netns.${other.pid}`);
  beforeAll(() => { other = sleeper(); });
  afterAll(() => { other.kill(); });

  it('measures when no other worker is active, and says so', async () => {
    const r = await runs.exclusive('a test window', async () => 42, { say: () => undefined });
    expect(r.value).toBe(42);
    expect(r.exclusive.alongsideInRun).toEqual([]);
  });

  it('refuses to measure beside a live worker of the run (the control)', async () => {
    mkdirSync(path.dirname(marker()), { recursive: true });
    writeFileSync(marker(), start(other.pid!));
    expect(runs.activeAlongside()).toEqual([`netns (pid ${other.pid})`]);
    await expect(runs.exclusive('a test window', async () => 1,
      { say: () => undefined })).rejects.toThrow(/not measured — netns \(pid \d+\) of this run/);
  });

  it('a marker whose worker is gone does not count', async () => {
    other.kill();
    await new Promise((r) => other.once('exit', r));
    expect(runs.activeAlongside()).toEqual([]);
    rmSync(marker(), { force: true });
  });
});

describe('the measuring lock', () => {
  // CI: a run read owner.json empty while another was between mkdir and writeFile, and threw.
  it('a lock whose owner file is still empty is waited for, not an error', async () => {
    const lock = path.join(dir, 'measure.lock');
    mkdirSync(lock);
    writeFileSync(path.join(lock, 'owner.json'), '');
    setTimeout(() => rmSync(lock, { recursive: true, force: true }), 300);
    const r = await runs.exclusive('a test window', async () => 7, { say: () => undefined });
    expect(r.value).toBe(7);
    expect(r.exclusive.waitedMs).toBeGreaterThanOrEqual(250);
  });
});

describe("the engine cache's turn", () => {
  it('two holders never overlap', async () => {
    const spans: Array<[number, number]> = [];
    const hold = () => runs.withEngineCache('test', async () => {
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 150));
      spans.push([t0, performance.now()]);
    });
    await Promise.all([hold(), hold(), hold()]);
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });

  // Ordered by gates, not by sleeps: on a loaded host a 50 ms head start is no order at all.
  it('builds run together; a removal waits for every build in flight, and holds new ones off', async () => {
    const spans: Record<string, [number, number]> = {};
    const gate = () => { let open!: () => void; return { p: new Promise<void>((r) => (open = r)), open: () => open() }; };
    const started = { a: gate(), b: gate() };
    const release = gate();
    const hold = (name: string, mode: 'build' | 'remove', until: Promise<void> = Promise.resolve()) =>
      runs.withEngineCache(name, async () => {
        const t0 = performance.now();
        started[name as 'a' | 'b']?.open();
        await until;
        spans[name] = [t0, performance.now()];
      }, { mode, maxWaitMs: 10_000 });
    const within = <T>(p: Promise<T>, what: string) => Promise.race([p, new Promise<never>((_, no) =>
      setTimeout(() => no(new Error(`${what}: not within 10 s`)), 10_000).unref())]);
    const a = hold('a', 'build', release.p);
    const b = hold('b', 'build', release.p);
    // together: each build has its turn while the other still holds its own
    await within(Promise.all([started.a.p, started.b.p]), 'the second build while the first holds');
    const rm = hold('removal', 'remove');
    const lock = path.join(dir, 'engine-cache', 'removing');
    await within((async () => { while (!existsSync(lock)) await new Promise((r) => setTimeout(r, 10)); })(),
      'the removal taking its lock');
    const c = hold('c', 'build');
    await new Promise((r) => setTimeout(r, 200)); // a build that ignored the removal would have started by now
    expect(spans.removal).toBeUndefined(); // builds a and b still hold
    expect(spans.c).toBeUndefined(); // and c waits behind the removal
    release.open();
    await within(Promise.all([a, b, rm, c]), 'every turn');
    expect(spans.removal![0]).toBeGreaterThanOrEqual(Math.max(spans.a![1], spans.b![1]));
    expect(spans.c![0]).toBeGreaterThanOrEqual(spans.removal![1]); // held off
  });

  it("a dead holder's turn is taken over, a live one's is waited for", async () => {
    const lock = path.join(dir, 'engine-cache', 'removing');
    const gone = sleeper();
    const goneStart = start(gone.pid!);
    gone.kill();
    await new Promise((r) => gone.once('exit', r));
    mkdirSync(lock);
    writeFileSync(path.join(lock, 'owner'), `${gone.pid} ${goneStart} a build that died`);
    // taken over: with a live holder it would wait out the bound and throw (below)
    expect(await runs.withEngineCache('after a dead one', async () => 'ran', { maxWaitMs: 10_000 })).toBe('ran');
    const live = sleeper();
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'owner'), `${live.pid} ${start(live.pid!)} a live build`);
      await expect(runs.withEngineCache('beside a live one', async () => 0,
        { maxWaitMs: 300 })).rejects.toThrow(/waited \d+ s for pid \d+ \(a live build\)/);
    } finally {
      live.kill();
      rmSync(lock, { recursive: true, force: true });
    }
  });
});

describe("a build's own images", () => {
  const out = 'Step 1/3 : FROM alpine\n ---> 0e5074db4f44\nStep 2/3 : ADD hello.sh .\n ---> Running in 76986366d090\n'
    + 'Removing intermediate container 76986366d090\n ---> 9c1fd2a1b1a8\nSuccessfully built 42385989d6ac\n';
  it('are the ids its output names (a container id is not one)', () => {
    expect(mentionedIds(out)).toEqual(['0e5074db4f44', '9c1fd2a1b1a8', '42385989d6ac']);
    expect(mentionedIds('#9 writing image sha256:' + 'ab'.repeat(32) + ' done')).toEqual(['ab'.repeat(32)]);
  });
  it('new since before, and named: another build made the rest at the same time', () => {
    const id = (h: string) => `sha256:${h}${'0'.repeat(64 - h.length)}`;
    const before = new Set([id('0e5074db4f44')]);
    const now = [id('0e5074db4f44'), id('9c1fd2a1b1a8'), id('42385989d6ac'), id('777777777777')];
    expect(ownNewImages(now, before, mentionedIds(out))).toEqual([id('9c1fd2a1b1a8'), id('42385989d6ac')]);
  });
});

describe('a process started inside a run with its id', () => {
  it('joins the run: the entry stays the run\'s, and it does not end the run\'s things (its control: a dead '
    + 'owner\'s id is taken over)', async () => {
    const owner = sleeper();
    try {
      const id = 'joinx1';
      mkdirSync(path.join(dir, 'runs'), { recursive: true });
      writeFileSync(path.join(dir, 'runs', `${id}.json`),
        JSON.stringify({ id, pid: owner.pid, start: start(owner.pid!), startedAt: '', argv: [] }));
      expect(runs.registerRun(id).pid).toBe(owner.pid);
      expect(JSON.parse(readFileSync(path.join(dir, 'runs', `${id}.json`), 'utf8')).pid).toBe(owner.pid);
      expect(runs.ownsRun(id)).toBe(false);
      owner.kill();
      await new Promise((r) => owner.once('exit', r));
      expect(runs.registerRun(id).pid).toBe(process.pid);
      expect(runs.ownsRun(id)).toBe(true);
      runs.unregisterRun(id);
    } finally {
      owner.kill();
    }
  });
});
