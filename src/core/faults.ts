// Faults of the infrastructure, told apart from a mechanism that does not hold. When a claim
// fails, this asks whether what it ran on was still there: the container engine (does it answer
// now?), the disk (ENOSPC), a tool (gone from PATH). A claim stopped by one of these gets the
// verdict `error` with that reason — it could not be judged — never `fail`.
import { run } from './exec.js';
import { engineName } from './engine-name.js';
import type { Incomplete } from '../types/results.js';

export type FaultKind = 'engine' | 'disk' | 'tool';

export interface Fault {
  kind: FaultKind;
  /** one sentence for the reader: what stopped, not what the claim saw of it */
  reason: string;
  /** when the claim saw it (ISO time) */
  at: string;
}

// What an engine's clients print when nothing answers on the socket (docker CLI, compose v1/v2,
// dockerode under testcontainers, podman).
const ENGINE_GONE = [
  /Cannot connect to the Docker daemon/i,
  /Error while fetching server API version/i,
  /connect (ECONNREFUSED|ENOENT) [^ ]*(docker|podman)\.sock/i,
  /Is the docker daemon running/i,
  /Cannot connect to Podman/i,
];

const messageOf = (e: unknown): string => {
  if (!e || typeof e !== 'object') return String(e);
  const parts = [(e as Error).message ?? ''];
  const r = (e as { result?: { stderr?: string } }).result;
  if (r?.stderr) parts.push(r.stderr);
  return parts.join('\n');
};

/** Does the engine answer now? (bounded: an engine that hangs is as gone as one that refuses) */
export async function engineAnswers(timeoutMs = 8000): Promise<boolean> {
  const r = await run(engineName(), ['version', '--format', '{{.Server.Version}}'], { check: false, timeoutMs }).catch(() => null);
  return !!r && r.exitCode === 0 && r.stdout.trim() !== '';
}

/**
 * The fault that stopped a failed claim, or null when the failure is the claim's own. `engine`:
 * the claim used the engine and the engine was up when the run started.
 */
export async function infraFault(e: unknown, o: { engine: boolean }): Promise<Fault | null> {
  const msg = messageOf(e);
  const at = new Date().toISOString();
  const full = /\bENOSPC\b|no space left on device/i.exec(msg);
  if (full) return { kind: 'disk', reason: `the disk filled up (${full[0]}); claims that write could not run`, at };
  const tool = (e as { code?: string })?.code === 'ENOENT' ? /spawn (\S+) ENOENT/.exec(msg) : null;
  if (tool || (e as Error)?.name === 'MissingToolError') {
    const name = tool?.[1] ?? (e as { tool?: string }).tool ?? 'a tool';
    return { kind: 'tool', reason: `${name} was not there when the claim ran it (removed or PATH changed mid-run)`, at };
  }
  if (o.engine) {
    const said = ENGINE_GONE.some((re) => re.test(msg));
    if (said || !(await engineAnswers())) {
      return { kind: 'engine', reason: `the ${engineName() === 'podman' ? 'Podman' : 'Docker'} engine stopped answering`, at };
    }
  }
  return null;
}

/** The run's one message per fault: "the Docker engine stopped answering at 35 s; 10 claims could not run". */
export function faultSummary(faults: Array<{ claim: string; fault: Fault }>, startedAt: Date): Incomplete[] {
  const byKind = new Map<FaultKind, Array<{ claim: string; fault: Fault }>>();
  for (const f of faults) byKind.set(f.fault.kind, [...(byKind.get(f.fault.kind) ?? []), f]);
  return [...byKind.entries()].map(([kind, list]) => {
    const first = Math.min(...list.map((f) => Date.parse(f.fault.at)));
    const firstAtS = Math.max(0, Math.round((first - startedAt.getTime()) / 1000));
    const claims = [...new Set(list.map((f) => f.claim))];
    const reason = list[0]!.fault.reason;
    return { kind, reason, firstAtS, claims,
      message: `${reason} at ${firstAtS} s; ${claims.length} claim${claims.length === 1 ? '' : 's'} could not run `
      + `(verdict error): ${claims.join(', ')}` };
  });
}
