// A script part graded in a throwaway kernel: a VM booted for this submission from the cached
// guest disk (its disk a snapshot: nothing written back; no network device; the job disk the
// only thing it writes), the job (job.ts) run in it, the VM ended and its disks removed by the
// ledger. A VM that cannot boot is an `error` (the grade is incomplete), never the student's.
import { cp, mkdir, readFile, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import type { Ledger } from '../../core/ledger.js';
import { scratchDir } from '../../core/fs.js';
import { guestFiles } from '../../guest/build.js';
import { runJob, GuestError, type Accel } from '../../guest/machine.js';
import { setting } from '../../core/settings.js';
import { kernelJob, CHECK_SECONDS } from './job.js';
import type { ClaimResult } from '../../types/results.js';
import type { CoursePart } from '../course.js';

/** Why script parts cannot be graded on this host, or null. */
export async function scriptHostProblem(guest = 'trixie'): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'grading a script part boots a VM: run with sudo';
  const g = guestFiles(guest);
  for (const f of [g.disk, g.kernel, g.initrd]) {
    if (!(await access(f).then(() => true, () => false)))
      return `the ${guest} guest is not built (${f} missing): run \`sudo npx isolab guest build ${guest}\``;
  }
  return null;
}

export async function gradeScriptPart(ledger: Ledger, part: CoursePart, sub: string,
  result: (c: CoursePart['checks'][number], verdict: ClaimResult['verdict'], o: { reason?: string; outcome?: ReturnType<NonNullable<CoursePart['checks'][number]['kind']['inKernel']>['judge']>;
    evidence?: Record<string, unknown>; ms: number }) => ClaimResult): Promise<ClaimResult[]> {
  const guest = part.script!.guest ?? 'trixie';
  const checks = part.checks.filter((c) => c.kind.inKernel);
  const problem = await scriptHostProblem(guest);
  if (problem) return checks.map((c) => result(c, 'skip', { reason: problem, ms: 0 }));
  const job = await scratchDir(ledger, `${part.name}-job`, { tmpfs: false });
  await cp(path.join(sub, part.dir), path.join(job, 'sub'), { recursive: true, verbatimSymlinks: true });
  await writeFile(path.join(job, 'job.sh'), kernelJob(part));
  const out = path.join(job, 'back');
  await mkdir(out, { recursive: true });
  const accel: Accel = setting('guestAccel') === 'kvm' ? 'kvm' : 'tcg';
  const within = part.script!.within ?? 30;
  const t0 = performance.now();
  let r;
  try {
    r = await runJob(ledger, guestFiles(guest), job, out, { accel, memMb: 1024, cpus: 2, extraMb: 256,
      bootTimeoutMs: 120_000, timeoutMs: 120_000 + (within + checks.length * CHECK_SECONDS) * 1000 });
  } catch (e) {
    const why = e instanceof GuestError ? e.message.split('\n')[0] : (e as Error).message;
    return checks.map((c) => result(c, 'error', { reason: `the throwaway kernel did not run the job: ${why}`, ms: performance.now() - t0 }));
  }
  const read = (f: string) => readFile(path.join(r.out, f), 'utf8').catch(() => null);
  if ((await read('done')) === null)
    return checks.map((c) => result(c, 'error', { reason: `the job did not finish in the guest (exit ${r.exitCode})`, ms: r.totalMs }));
  const evidence = { kernel: { release: (await read('uname'))?.trim(), accel, bootSeconds: r.bootMs && Math.round(r.bootMs / 100) / 10,
    settings: (await read('kernel'))?.trim().split('\n').filter(Boolean) ?? [] },
  setup: { exitCode: Number((await read('setup.rc'))?.trim()), timedOut: (await read('setup.timeout')) !== null,
    output: (await read('setup.out'))?.slice(-4000) ?? '' } };
  const out2: ClaimResult[] = [];
  for (const [i, c] of checks.entries()) {
    const rc = await read(`${i}.rc`);
    const res = { exitCode: rc === null ? null : Number(rc.trim()), stdout: (await read(`${i}.out`)) ?? '', stderr: (await read(`${i}.err`)) ?? '' };
    const outcome = c.kind.inKernel!.judge(c.value as never, res);
    const ok = outcome.checks.every((x) => x.ok);
    const why = outcome.checks.filter((x) => !x.ok).map((x) => `${x.what}: got ${JSON.stringify(x.actual)}`).join('; ');
    out2.push(result(c, ok ? 'pass' : 'fail', { outcome, evidence: { ...evidence, output: (res.stdout + res.stderr).slice(-2000) },
      ms: r.totalMs / checks.length, ...(ok ? {} : { reason: evidence.setup.timedOut ? `the setup did not finish within ${within} s; ${why}` : why }) }));
  }
  return out2;
}
