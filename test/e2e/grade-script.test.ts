// Script parts graded in a throwaway kernel: what a hostile script does stays in its VM (a file
// written to /tmp, the forwarding switched on, a fork bomb, a ping out) and it is graded on what
// it did inside; the kernel settings an assignment declares decide a verdict that the kernel's
// defaults would decide otherwise (forwarding only in the root namespace).
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { access, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scriptHostProblem } from '../../src/grade/script/grade-script.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const example = path.join(repo, 'examples/assignments/two-subnets');
const noVm = await scriptHostProblem();

function grade(sub: string, assignment: string, reports: string): Promise<{ code: number | null; out: string; stdout: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ISOLAB_REPORTS: reports, NO_COLOR: '1' };
  for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR', 'ISOLAB_RUN_ID', 'ISOLAB_SUBMISSION']) delete env[k];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(repo, 'bin/isolab.js'), 'grade', sub, '--assignment', assignment, '--json'], { env, cwd: repo });
    let out = '';
    let stdout = '';
    p.stdout.on('data', (d) => { out += d; stdout += d; });
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => resolve({ code, out, stdout }));
  });
}
const earned = (stdout: string) => Object.fromEntries((JSON.parse(stdout) as { items: Array<{ check: string; earned: number }> }).items
  .map((i) => [i.check, i.earned]));

describe.skipIf(!!noVm)(`in a throwaway kernel${noVm ? ` (skipped: ${noVm})` : ''}`, () => {
  it('a hostile script changes nothing of the host and is graded on what it did inside', { timeout: 300_000 }, async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'test-script-hostile-'));
    const canary = '/tmp/isolab-canary-script';
    const forwardBefore = await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8');
    try {
      await mkdir(path.join(work, 'sub', 'topology'), { recursive: true });
      await writeFile(path.join(work, 'sub', 'topology', 'setup.sh'), `#!/bin/bash
echo escaped > ${canary}
sysctl -w net.ipv4.ip_forward=$(( 1 - $(cat /proc/sys/net/ipv4/ip_forward) ))
ping -c 1 -W 2 1.1.1.1 && echo ONLINE || echo offline
ip netns add ns1
head -c 10M /dev/zero > /fill || echo "root read-only"
bomb() { bomb | bomb & }; bomb
head -c 2000M /dev/zero > fill
`);
      await writeFile(path.join(work, 'a.yaml'), `name: hostile
parts:
  - name: topology
    dir: topology
    script: { run: [bash setup.sh], within: 10 }
    checks:
      - id: made-ns1
        command: { run: ip netns list, stdout: { contains: ns1 } }
        points: 1
      - id: canary-inside
        command: { run: cat ${canary}, stdout: { contains: escaped } }
        points: 1
      - id: offline
        command: { run: 'ip -o link show | grep -v " lo:" | wc -l', stdout: { equals: "0" } }
        points: 1
`);
      const t0 = Date.now();
      const r = await grade(path.join(work, 'sub'), path.join(work, 'a.yaml'), path.join(work, 'reports'));
      expect(r.code, r.out).toBe(0);
      // Graded on what it did inside: its namespace and its file are there, in its kernel; no network device.
      expect(earned(r.stdout)).toEqual({ 'topology.made-ns1': 1, 'topology.canary-inside': 1, 'topology.offline': 1 });
      expect(Date.now() - t0).toBeLessThan(120_000);
      // And nothing of the host changed.
      expect(await access(canary).then(() => 'written', () => 'absent')).toBe('absent');
      expect(await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(forwardBefore);
      const res = JSON.parse(await readFile(path.join(work, 'reports', 'latest', 'results.json'), 'utf8'));
      expect(res.leaks).toEqual([]);
      expect(JSON.stringify(res.claims[0].evidence.setup)).toMatch(/offline/);
      expect(JSON.stringify(res.claims[0].evidence.setup)).toMatch(/root read-only/);
      // The bomb and the disk filler held to the setup's bounds: ended at its 10 s, the checks still ran.
      expect(res.claims[0].evidence.setup.timedOut).toBe(true);
    } finally {
      await rm(canary, { force: true });
      await rm(work, { recursive: true, force: true });
    }
  });

  it('the declared kernel settings decide forwarding-only-in-the-root-namespace the same way everywhere', { timeout: 300_000 }, async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'test-script-kernel-'));
    try {
      // Negative control: without the declaration, the kernel's default (IPv4 settings inherited
      // from the root namespace) lets the flawed submission pass; declared, it fails.
      const text = await readFile(path.join(example, 'assignment.yaml'), 'utf8');
      expect(text).toMatch(/kernel: \{ sysctl: \{ net\.core\.devconf_inherit_init_net: 2 \} \}/);
      await writeFile(path.join(work, 'undeclared.yaml'), text.replace(/^\s*kernel: .*$/m, ''));
      const sub = path.join(example, 'submissions', 'root-forwarding');
      const [declared, undeclared] = await Promise.all([
        grade(sub, path.join(example, 'assignment.yaml'), path.join(work, 'r1')),
        grade(sub, path.join(work, 'undeclared.yaml'), path.join(work, 'r2'))]);
      expect(declared.code, declared.out).toBe(0);
      expect(earned(declared.stdout)['topology.there']).toBe(0);
      expect(earned(undeclared.stdout)['topology.there']).toBe(3);
      const res = JSON.parse(await readFile(path.join(work, 'r1', 'latest', 'results.json'), 'utf8'));
      expect(res.claims[0].evidence.kernel.settings).toEqual(['net.core.devconf_inherit_init_net = 2']);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('grades a class through --batch, a throwaway kernel per student, and the VMs are gone after', { timeout: 300_000 }, async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'test-script-batch-'));
    const qemus = () => new Promise<string[]>((resolve) => {
      const p = spawn('pgrep', ['-f', 'qemu-system']);
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('exit', () => resolve(out.split('\n').filter(Boolean).sort()));
    });
    const before = await qemus();
    try {
      for (const s of ['good', 'shortcut']) await cp(path.join(example, 'submissions', s), path.join(work, 'class', s), { recursive: true });
      const env: NodeJS.ProcessEnv = { ...process.env, ISOLAB_REPORTS: path.join(work, 'reports'), NO_COLOR: '1' };
      for (const k of ['ISOLAB_HOST', 'ISOLAB_RUN_DIR', 'ISOLAB_RUN_ID', 'ISOLAB_SUBMISSION']) delete env[k];
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(process.execPath, [path.join(repo, 'bin/isolab.js'), 'grade', '--batch', path.join(work, 'class'),
          '--assignment', path.join(example, 'assignment.yaml'), '--out', path.join(work, 'out')], { env, cwd: repo });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (out += d));
        p.on('exit', (code) => resolve({ code, out }));
      });
      expect(r.code, r.out).toBe(0);
      const csv = (await readFile(path.join(work, 'out', 'grades.csv'), 'utf8')).trim().split('\n');
      expect(csv[0]).toBe('student,topology.there,topology.back,topology.forwarding,topology.route,topology.via-router,'
        + 'topology.only-through-router,score,possible,status,note');
      expect(csv.slice(1)).toEqual(['good,3,2,2,1,1,2,11,11,graded,', 'shortcut,3,2,2,1,0,0,8,11,graded,']);
      // Each student's VM is gone when the batch ends (each grade's leak check held it to that too).
      expect(await qemus()).toEqual(before);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
