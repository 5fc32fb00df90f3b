// Faults of the infrastructure are not claim failures: what counts as one, how a run says it
// once, and where the verdict `error` goes (combined verdicts, junit, a grade, the leak check).
import { describe, it, expect } from 'vitest';
import { infraFault, faultSummary } from '../../src/core/faults.js';
import { combine, summarize, type ClaimResult, type Results } from '../../src/types/results.js';
import { toJunit } from '../../src/results/junit.js';
import { score } from '../../src/grade/rubric.js';
import { engineHeld, engineUnchecked } from '../../src/leaks/diff.js';
import type { Leak } from '../../src/leaks/types.js';
import { CommandError } from '../../src/core/exec.js';

const cmdError = (stderr: string) =>
  new CommandError({ command: 'docker images', exitCode: 1, signal: null, stdout: '', stderr, durationMs: 5, timedOut: false });

describe('infrastructure faults', () => {
  it("the engine's clients saying nothing answers is the engine's fault — for a claim that used it", async () => {
    const said = [
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      "docker.errors.DockerException: Error while fetching server API version: ('Connection aborted.', "
        + "ConnectionRefusedError(111, 'Connection refused'))",
      'connect ECONNREFUSED /var/run/docker.sock',
    ];
    for (const s of said) expect((await infraFault(cmdError(s), { engine: true }))?.kind, s).toBe('engine');
    // A claim that does not drive the engine is not asked about it.
    expect(await infraFault(cmdError(said[0]!), { engine: false })).toBeNull();
  });

  it('a full disk and a tool gone are faults; a mechanism that does not hold is not', async () => {
    expect(await infraFault(cmdError('write /var/lib/docker/tmp/x: no space left on device'),
      { engine: false })).toMatchObject({ kind: 'disk' });
    const gone = Object.assign(new Error('spawn iptables ENOENT'), { code: 'ENOENT' });
    expect(await infraFault(gone, { engine: false })).toMatchObject({ kind: 'tool',
      reason: expect.stringMatching(/^iptables was not there/) });
    expect(await infraFault(new Error('✗ red gets 80%: expected 80, got 50'), { engine: false })).toBeNull();
    expect(await infraFault(cmdError("The command '/bin/sh -c exit 7' returned a non-zero code: 7"), { engine: false })).toBeNull();
  });

  it('a run says each fault once: when first seen and every claim it stopped', () => {
    const t0 = new Date('2026-12-02T10:00:00Z');
    const at = (s: number) => new Date(t0.getTime() + s * 1000).toISOString();
    const f = (s: number) => ({ kind: 'engine' as const, reason: 'the Docker engine stopped answering', at: at(s) });
    const out = faultSummary([{ claim: 'image.layers', fault: f(37) }, { claim: 'compose.teardown', fault: f(35) },
      { claim: 'image.layers', fault: f(40) }], t0);
    expect(out).toHaveLength(1);
    expect(out[0]!.message).toBe('the Docker engine stopped answering at 35 s; 2 claims could not run (verdict '
      + 'error): image.layers, compose.teardown');
  });

  it('error: a fail still fails the claim; otherwise error outranks the rest; counted apart', () => {
    expect(combine(['pass', 'error', 'differs'])).toBe('error');
    expect(combine(['error', 'fail'])).toBe('fail');
    expect(combine(['skip', 'error'])).toBe('error');
    const c = (id: string, verdict: ClaimResult['verdict']): ClaimResult =>
      ({ id, suite: 'compose', statement: 's', verdict,
      reason: 'could not be judged: the Docker engine stopped answering', evidence: {}, durationMs: 1 });
    const claims = [c('image.layers', 'error'), c('image.cache-hit', 'pass')];
    expect(summarize(claims)).toMatchObject({ passed: 1, failed: 0, errored: 1 });
    const r = { schema: 'isolab/results@3', run: { id: 'x', startedAt: '', finishedAt: '', argv: [] }, host: {},
      claims, summary: summarize(claims) } as Results;
    const xml = toJunit(r);
    expect(xml).toMatch(/<testcase classname="compose" name="image.layers"[^>]*><error message="could not be judged: the Docker engine stopped answering" type="infrastructure"\/>/);
    expect(xml).toMatch(/<testsuites name="isolab" tests="2" failures="0" errors="1"/);
  });

  it("a grade: a check the host failed under earns nothing, shows no hint, and is not the student's", () => {
    const s = score({ name: 'r', checks: [{ check: 'image.layers', points: 2, hint: 'hello/Dockerfile should ADD hello.sh' }] },
      [{ id: 'image.layers', suite: 'compose', statement: '', verdict: 'error',
        reason: 'could not be judged: the Docker engine stopped answering', evidence: {}, durationMs: 1 }]);
    expect(s.items[0]).toEqual({ check: 'image.layers', points: 2, earned: 0, verdict: 'error',
      why: 'not graded — could not be judged: the Docker engine stopped answering' });
  });

  it("with the engine gone at the end, what it holds is unchecked, not a leak; an isolab link still is", () => {
    const leaks: Leak[] = [
      { kind: 'mounts', item: '/var/lib/docker/overlay2/68b4/merged (overlay)', change: 'added' },
      { kind: 'links', item: 'br-cdadfa8cff8c', change: 'added' },
      { kind: 'iptables', item: '-A FORWARD -o br-cdadfa8cff8c -j DOCKER', change: 'added' },
      { kind: 'links', item: 'isolab-ab12cd-v0', change: 'added' },
      { kind: 'mounts', item: '/tmp/isolab-ab12cd-ov/merged (overlay)', change: 'added' },
    ];
    expect(leaks.map(engineHeld)).toEqual([true, true, true, false, false]);
    expect(engineUnchecked(leaks, 'Docker').filter((l) => !l.not).map((l) => l.item)).toEqual(['isolab-ab12cd-v0',
      '/tmp/isolab-ab12cd-ov/merged (overlay)']);
  });
});
