// The job a script part runs in its throwaway kernel, read as text: the declared settings before
// the setup, the setup bounded in a cgroup of its own, each check bounded, results to /job/out.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseCourse } from '../../src/grade/course.js';
import { kernelJob } from '../../src/grade/script/job.js';

const f = 'examples/assignments/two-subnets/assignment.yaml';
const part = parseCourse(readFileSync(f, 'utf8'), f).parts[0]!;

describe('a script part\'s job', () => {
  const job = kernelJob(part);
  it('sets the declared kernel settings before the student\'s setup runs', () => {
    expect(job.indexOf("sysctl -w 'net.core.devconf_inherit_init_net=2'")).toBeGreaterThan(0);
    expect(job.indexOf("sysctl -w 'net.core.devconf_inherit_init_net=2'")).toBeLessThan(job.indexOf('exec sh /job/setup-commands.sh'));
  });
  it('bounds the setup (a cgroup with pids, memory and CPU limits; killed past its time) and the guest\'s disk', () => {
    expect(job).toMatch(/pids\.max/);
    expect(job).toMatch(/memory\.max/);
    expect(job).toMatch(/sleep 30; echo timeout > "\$out\/setup\.timeout"; echo 1 > "\$cg\/cgroup\.kill"/);
    expect(job).toMatch(/mount -o remount,ro \//);
  });
  it('runs each check bounded, in order, the `after` command first', () => {
    expect(job).toMatch(/timeout -s KILL 15 sh -c 'ip netns exec '\\''ns1'\\'' ping -c 1 -W 2 '\\''10\.0\.2\.2'\\''' > "\$out\/0\.out"/);
    expect(job).toMatch(/ip netns del router >\/dev\/null 2>&1; ip netns exec/);
    expect(job.trim().endsWith('echo done > "$out/done"')).toBe(true);
  });
  it('refuses script checks outside a script part, and other checks inside one', () => {
    const bad = (t: string) => { try { parseCourse(t, 'a.yaml'); return ''; } catch (e) { return (e as Error).message; } };
    expect(bad('name: x\nparts:\n  - name: a\n    image: {}\n    checks:\n      - reach: { from: a, to: 1.2.3.4 }\n        points: 1\n'))
      .toMatch(/needs a script part/);
    expect(bad('name: x\nparts:\n  - name: a\n    script: { run: [x] }\n    checks:\n      - http: { path: / }\n        points: 1\n'))
      .toMatch(/a script part has file, reach, sysctl and command checks/);
  });
});
