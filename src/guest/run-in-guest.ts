// `isolab run --guest <name> [suites…]`: the same `isolab run`, inside a guest booted from the
// cached disk, on a copy of this project (its node_modules too). The guest's own leak check
// runs inside; the host's covers the VM (qemu, its scratch disks). Results, junit and the
// report come back into reports/<run>-<guest>/, with the guest named in the host fingerprint.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSession, closeSession, leakLines } from '../run/session.js';
import { quote } from '../core/exec.js';
import { runId, runPrefix } from '../core/names.js';
import { writeRun } from '../results/write.js';
import { runFolder } from '../core/paths.js';
import type { Results } from '../types/results.js';
import { buildGuest, guestFiles, preflight, guestDef } from './build.js';
import { runJob, GuestError, type Accel } from './machine.js';
import { VM_DIR } from '../vm/tiny-guest.js';
import { ROOT } from '../core/paths.js';
import { START_DOCKERD_SH } from '../core/waits.js';
import { envWith, setting, numberSetting } from '../core/settings.js';
import type { RunRequest } from '../run/request.js';

// .build: the clone's compiled copy, stale once copied (new mtimes); the guest runs the sources.
const SKIP = new Set(['.git', 'reports', '.vite', '.cache', 'coverage', '.build']);

/**
 * Files side by side in an emulated guest: one. Tried with three under TCG (trixie): the image
 * claims ran past their 60 s bound waiting on each other's builds; one after another they pass.
 */
const GUEST_WORKERS = numberSetting('guestWorkers', 1);
/**
 * TCG's vCPUs take turns on one emulator thread: the guest's CPUs are not parallel (one seat for
 * CPU windows, the unpinned claim skips). ISOLAB_GUEST_VCPUS_SERIAL=0 says otherwise, to run two
 * windows side by side on cgroup v2 in a guest (a functional check: their CPUs take turns).
 */
const vcpusSerial = () => setting('guestVcpusSerial') !== '0';

/** The job the guest runs: a settled engine (like a provisioned host), then isolab run. */
export function runJobScript(request: RunRequest, guest: string, accel: Accel = 'tcg'): string {
  const engine = request.engine ?? 'docker';
  // Under podman the guest is a podman host: no dockerd beside it. Docker sets iptables FORWARD's
  // policy to DROP and loads br_netfilter, so bridged traffic it did not allow — podman's — is
  // dropped (docs/hosts.md has the trial).
  const settle = engine === 'podman' ? `# What provisioning does once on a host: first use of ip netns and of podman's network.
ip netns add isolab-settle && ip netns delete isolab-settle
podman run --rm isolab/busybox:latest true || { echo "podman cannot run a container"; exit 1; }
engine=
` : `${START_DOCKERD_SH}start_dockerd /var/log/dockerd.log 180 || exit 1
# What provisioning does once on a host: first use of ip netns and of the docker bridge.
ip netns add isolab-settle && ip netns delete isolab-settle
docker run --rm --network bridge isolab/busybox:latest true
`;
  // The run's settings, named by the settings module: the request travels whole, as the host's
  // `isolab run` was asked it. Under emulation everything is 6-10x slower: files one after
  // another (maxWorkers), bounds three times as long (emulated).
  const env = envWith({ reports: '/job/out/reports', guest, vmDir: '/job/vm', request: JSON.stringify(request),
    ...(accel === 'tcg' ? { emulated: '1', ...(vcpusSerial() ? { vcpusSerial: '1' } : {}), maxWorkers: String(GUEST_WORKERS) } : {}) });
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${quote(v!, [])}`);
  return `set -u
mkdir -p out
${settle}cd project || exit 1
# Through a pipe: the serial console is a terminal, and vitest would redraw its status there.
{ ${assignments.join(' ')} NO_COLOR=1 node bin/isolab.js run 2>&1; echo $? >/job/out/rc; } | cat
rc=$(cat /job/out/rc)
if [ -n "$engine" ]; then cp /var/log/dockerd.log /job/out/dockerd.log; kill "$engine"; wait "$engine"; fi
exit "$rc"
`;
}

export async function runInGuest(name: string, request: RunRequest,
  o: { accel?: Accel; timeoutMs?: number } = {}): Promise<number> {
  guestDef(name);
  await preflight();
  const accel: Accel = o.accel ?? (setting('guestAccel') === 'kvm' ? 'kvm' : 'tcg');
  const say = (s: string) => process.stderr.write(`isolab guest ${name}: ${s}\n`);
  const t0 = Date.now();
  const built = await buildGuest(name, { accel });
  const v = built.manifest.versions;
  const engine = request.engine === 'podman'
    ? `podman ${v.podman ?? '?'}, podman-compose ${(v.podmanCompose ?? '?').replace(/^podman-compose version /, '')}`
    : `docker ${v.engine}, compose ${v.compose}`;
  say(built.cached ? `cached disk (${v.kernel}, ${engine}, node ${v.node})` : `built in ${built.manifest.buildSeconds} s`);
  const session = await openSession(`guest ${name}`);
  const ledger = session.ledger;
  let code = 1;
  try {
    const job = await mkdtemp(path.join(tmpdir(), `${runPrefix()}-guestjob-`));
    // Retried: after SIGINT the main flow may still be writing into it.
    ledger.add('tempdir', job, () => rm(job, { recursive: true, force: true, maxRetries: 5 }));
    await cp(ROOT, path.join(job, 'project'), { recursive: true, verbatimSymlinks: true, filter: (src) => !SKIP.has(path.basename(src)) });
    // A course's scenario folders travel with the job (checked on this side first).
    const scenarios: string[] = [];
    for (const [i, d] of request.scenarios.entries()) {
      await cp(d, path.join(job, 'project', '.course-scenarios', String(i)),
        { recursive: true, filter: (src) => !src.includes('/.') || src === d });
      scenarios.push(`/job/project/.course-scenarios/${i}`);
    }
    await writeFile(path.join(job, 'job.sh'), runJobScript({ ...request, scenarios }, name, accel));
    // The bench's minimal VM image (kernel + initramfs), for image.base-size's sizes.
    await cp(VM_DIR, path.join(job, 'vm'), { recursive: true }).catch(() => undefined);
    say(`booting (${accel}, 2 vCPUs, 4 GiB) …`);
    const r = await runJob(ledger, guestFiles(name), job, path.join(job, 'back'), {
      accel, bootTimeoutMs: 240_000, timeoutMs: o.timeoutMs ?? 75 * 60_000,
      onLine: (l) => process.stderr.write(`[${name}] ${l}\n`),
    });
    say(`booted in ${((r.bootMs ?? 0) / 1000).toFixed(1)} s; job exit ${r.exitCode}; ${((r.totalMs) / 1000).toFixed(0)} s in all`);
    const reports = path.join(r.out, 'reports');
    const dirs = (await readdir(reports).catch(() => [])).filter((d) => d !== 'latest').sort();
    if (!dirs.length) throw new GuestError('the guest wrote no results', r.console.trim().split('\n').slice(-30).join('\n'));
    const results = JSON.parse(await readFile(path.join(reports, dirs[dirs.length - 1]!, 'results.json'), 'utf8')) as Results;
    results.host = { ...results.host,
      guest: { name, accel, suite: built.manifest.suite, recipe: built.manifest.recipe,
      bootSeconds: r.bootMs === null ? null : Math.round(r.bootMs / 100) / 10,
      runSeconds: Math.round(r.totalMs / 1000), packages: built.manifest.packages } };
    const dest = runFolder(runId(), request.engine === 'podman' ? `${name}-podman` : name);
    await writeRun(dest, results);
    await cp(path.join(r.out, 'dockerd.log'), path.join(dest, 'guest-dockerd.log')).catch(() => undefined);
    await writeFile(path.join(dest, 'guest-console.log'), r.console);
    const s = results.summary;
    process.stdout.write(`isolab: ${name} results in ${path.relative(process.cwd(), dest)}/results.json\n`);
    process.stdout.write(`guest ${name}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} `
      + `skipped${results.leaks?.length ? `; the guest's leak check found ${results.leaks.length}` : ''} `
      + `(${Math.round((Date.now() - t0) / 1000)} s)\n`);
    code = r.exitCode === 0 ? 0 : 1;
  } catch (e) {
    process.stderr.write(`isolab guest ${name}: ${(e as Error).message}\n`);
    code = 1;
  } finally {
    const { failures, check } = await closeSession(session);
    for (const f of failures) process.stderr.write(`isolab guest ${name}: cleanup of ${f.kind} ${f.name} failed: ${f.error}\n`);
    if (check?.leaks.length) {
      process.stderr.write(`isolab guest ${name}: the host's leak check:\n${leakLines(check).join('\n')}\n`);
      code = 1;
    } else process.stderr.write(`isolab guest ${name}: host leak check: nothing left behind (no qemu, scratch disk or mount)\n`);
  }
  return code;
}
