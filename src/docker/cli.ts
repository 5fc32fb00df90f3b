// The engine's CLI (docker, or podman under --engine podman: src/core/engine-name.ts), time-bounded, with every container, network and image a check makes
// registered in its ledger under an isolab-<run>- name.
import { run, type RunResult } from '../core/exec.js';
import type { Ledger } from '../core/ledger.js';
import { resourceName } from '../core/names.js';
import { engineName } from '../core/engine-name.js';
import { until } from '../core/waits.js';

export const docker = (args: string[],
  opts: { timeoutMs?: number; check?: boolean; input?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<RunResult> =>
  run(engineName(), args,
    { timeoutMs: opts.timeoutMs ?? 60_000, check: opts.check ?? true, input: opts.input, cwd: opts.cwd, env: opts.env });

/** An image name as the Dockerfile wrote it: podman lists a local build as localhost/<name>. */
export const localName = (ref: string) => ref.replace(/^localhost\//, '');

export interface Container {
  name: string;
  id: string;
}

/**
 * `docker run -d` (or create, or run in the foreground), named and registered; returns once the
 * engine has it. `check: false`: a container that fails to start is an outcome (`result`), not an error.
 */
export async function runContainer(ledger: Ledger, label: string, args: string[],
  opts: { detach?: boolean; create?: boolean; timeoutMs?: number; check?: boolean } = {}): Promise<Container & { result: RunResult }> {
  const name = resourceName(label);
  ledger.add('container', name, () => docker(['rm', '-f', '-v', name], { check: false, timeoutMs: 30_000 }));
  const verb = opts.create ? ['create'] : ['run', ...(opts.detach === false ? [] : ['-d'])];
  const r = await docker([...verb, '--name', name, '--label', `isolab.run=${name.split('-')[1]}`, ...args],
    { timeoutMs: opts.timeoutMs ?? 60_000, check: opts.check ?? true });
  return { name, id: r.stdout.trim().split('\n').pop() ?? '', result: r };
}

export async function inspect<T = Record<string, unknown>>(ref: string, kind: 'container' | 'image' | 'network' = 'container'): Promise<T> {
  const r = await docker([kind, 'inspect', ref], { timeoutMs: 15_000 });
  return (JSON.parse(r.stdout) as T[])[0]!;
}

export async function createNetwork(ledger: Ledger, label: string, args: string[] = []): Promise<string> {
  const name = resourceName(label);
  ledger.add('network', name, () => docker(['network', 'rm', name], { check: false, timeoutMs: 30_000 }));
  await docker(['network', 'create', '--label', `isolab.run=${name.split('-')[1]}`, ...args, name]);
  return name;
}

/** Wait for a container to exit (bounded); its exit code and OOMKilled flag. */
export async function waitExit(name: string, timeoutMs: number): Promise<{ exitCode: number; oomKilled: boolean; logs: string }> {
  const r = await docker(['wait', name], { timeoutMs, check: false });
  if (r.timedOut) throw new Error(`container ${name} did not exit within ${timeoutMs / 1000} s`);
  const st = await inspect<{ State: { ExitCode: number; OOMKilled: boolean } }>(name);
  // The engine copies a container's output asynchronously: under load `docker wait` can return
  // before the log is written. Wait (≤ 6 s) for the copy; output that never came stays empty,
  // and only that case pays the wait.
  const read = async () => { const l = await docker(['logs', name], { check: false, timeoutMs: 15_000 }); return l.stdout + l.stderr; };
  const logs = await until(read, { what: `container ${name}'s output`, timeoutMs: 6000, everyMs: 300 }) ?? '';
  return { exitCode: st.State.ExitCode, oomKilled: st.State.OOMKilled, logs };
}

/** `docker run` to completion under a run-unique name (removed by the ledger, also on timeout). */
export async function runToExit(ledger: Ledger, label: string, args: string[],
  timeoutMs = 60_000): Promise<{ exitCode: number | null; stdout: string; stderr: string; name: string }> {
  const name = resourceName(label);
  ledger.add('container', name, () => docker(['rm', '-f', '-v', name], { check: false, timeoutMs: 30_000 }));
  const r = await docker(['run', '--name', name, ...args], { check: false, timeoutMs });
  if (r.timedOut) throw new Error(`docker run ${args.join(' ')} did not finish within ${timeoutMs / 1000} s`);
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, name };
}
