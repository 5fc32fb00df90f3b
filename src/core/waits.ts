// Waiting, as named strategies with bounds (as testcontainers names its wait strategies): every
// poll isolab makes is one of these, with what it waits for in its words, how long at most and
// how often it looks. A bound that passes gives null (or, with `orThrow`, an error that says what
// was awaited and for how long) — never a hang. The guests' shell jobs wait for their engine with
// the one shell helper below.
import { readFile, access } from 'node:fs/promises';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './exec.js';
import { engineName } from './engine-name.js';

export interface Bound {
  /** what is awaited, for the error: "dockerd to answer" */
  what: string;
  timeoutMs: number;
  /** how often to look (ms) */
  everyMs?: number;
  /** past the bound: throw (true) or resolve null (false, the default) */
  orThrow?: boolean;
}

export class WaitTimeout extends Error {
  constructor(readonly what: string, readonly waitedMs: number) {
    super(`waited ${waitedMs >= 10_000 ? `${Math.round(waitedMs / 1000)} s` : `${Math.round(waitedMs)} ms`} for ${what}`);
    this.name = 'WaitTimeout';
  }
}

type Found<T> = T | null | undefined | false;

/** Look until `probe` finds something (its value is returned), or the bound passes. */
export async function until<T>(probe: () => Found<T> | Promise<Found<T>>, b: Bound): Promise<T | null> {
  const t0 = performance.now();
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    const waited = performance.now() - t0;
    if (waited >= b.timeoutMs) {
      if (b.orThrow) throw new WaitTimeout(b.what, waited);
      return null;
    }
    await sleep(Math.min(b.everyMs ?? 100, Math.max(1, b.timeoutMs - waited)));
  }
}

/** A line matching `pattern` in a growing text (a process's output, a log): the line. */
export const logLine = (text: () => string | Promise<string>, pattern: RegExp, b: Bound) =>
  until(async () => (await text()).split('\n').find((l) => pattern.test(l)), b);

/** A file that exists. */
export const file = (p: string, b: Bound) => until(() => access(p).then(() => p, () => null), b);

/** A TCP port that accepts a connection. */
export const port = (host: string, portNo: number, b: Bound) => until(() => new Promise<boolean>((resolve) => {
  const s = connect({ host, port: portNo, timeout: 1000 });
  const done = (ok: boolean) => (s.destroy(), resolve(ok));
  s.once('connect', () => done(true));
  s.once('error', () => done(false));
  s.once('timeout', () => done(false));
}), b);

/** An HTTP answer whose status `ok` accepts (default 2xx): the response. */
export const http = (url: string, b: Bound, ok: (status: number) => boolean = (s) => s >= 200 && s < 300) =>
  until(async () => {
    const r = await fetch(url, { signal: AbortSignal.timeout(Math.min(5000, b.timeoutMs)) }).catch(() => null);
    return r && ok(r.status) ? r : null;
  }, b);

/** The container engine answering (`docker info`), at `host` (DOCKER_HOST) or the CLI's own. */
export const engineUp = (b: Bound, host?: string) => until(async () => (await run(engineName(), ['info', '--format', '{{.ID}}'],
  { check: false, timeoutMs: 10_000, ...(host ? { env: { DOCKER_HOST: host } } : {}) })).exitCode === 0, b);

/** A process gone (or a zombie: dead, not yet reaped). */
export const processGone = (pid: number, b: Bound) => until(async () => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return !stat || /\) Z /.test(stat);
}, b);

/**
 * The guests' shell jobs: `start_dockerd LOG SECONDS` starts dockerd in the background (its pid
 * in $engine) and returns once `docker info` answers, or prints the log's end and fails.
 */
export const START_DOCKERD_SH = `start_dockerd() {
  dockerd >"$1" 2>&1 &
  engine=$!
  i=0
  while [ "$i" -lt $(($2 * 5)) ]; do docker info >/dev/null 2>&1 && return 0; sleep 0.2; i=$((i + 1)); done
  echo "dockerd did not answer within $2 s:"; tail -20 "$1"; return 1
}
`;
