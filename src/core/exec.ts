// The one way isolab runs an external program: argument arrays, never a shell string;
// every call time-bounded; a timeout kills the whole process group, so grandchildren
// that hold the pipes die too (execa's own timeout only signals the direct child).
import { access, constants } from 'node:fs/promises';
import { appendFileSync } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { setting } from './settings.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface RunOptions {
  timeoutMs?: number;
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Throw a CommandError on a non-zero exit (default true). */
  check?: boolean;
}

export interface RunResult {
  command: string;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export class CommandError extends Error {
  constructor(readonly result: RunResult, hint?: string) {
    const why = result.timedOut
      ? `timed out and was killed`
      : result.signal
        ? `was killed by ${result.signal}`
        : `exited with code ${result.exitCode}`;
    const err = result.stderr.trim() || result.stdout.trim();
    super(
      `\`${result.command}\` ${why}` +
        (err ? `: ${truncate(err, 2000)}` : '') +
        (hint ? `\n  hint: ${hint}` : ''),
    );
    this.name = 'CommandError';
  }
}

export class MissingToolError extends Error {
  constructor(readonly tool: string, hint: string) {
    super(`${tool} not found on PATH; ${hint}`);
    this.name = 'MissingToolError';
  }
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…(${s.length - n} more chars)` : s);

export const quote = (file: string, args: readonly string[]) =>
  [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

function killGroup(pid: number | undefined, signal: NodeJS.Signals) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function spawn(file: string, args: readonly string[], opts: RunOptions) {
  return execa(file, args, {
    detached: true, // own process group: a timeout kills it whole, and a stray SIGINT doesn't
    reject: false,
    input: opts.input,
    env: opts.env,
    extendEnv: true,
    cwd: opts.cwd,
    stripFinalNewline: false,
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
}

/** With the trace setting: a line per command (time it ended, ms, pid, command) — where a run's seconds go. */
function trace(r: RunResult): void {
  const file = setting('trace');
  if (!file) return;
  try {
    appendFileSync(file, `${new Date().toISOString().slice(11, 23)} ${Math.round(r.durationMs)} ${process.pid} ${r.command.replace(/\s+/g, ' ').slice(0, 200)}\n`);
  } catch {
    /* a trace that cannot be written is not the run's problem */
  }
}

export async function run(file: string, args: readonly string[] = [], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const command = quote(file, args);
  const started = performance.now();
  let timedOut = false;
  const child = spawn(file, args, opts);
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid, 'SIGKILL');
  }, timeoutMs);
  const res = await child;
  clearTimeout(timer);
  // The leader may exit while members of its group live on (`cmd &` in a script): they were
  // started for this call only, and end with it.
  killGroup(child.pid, 'SIGKILL');
  const result: RunResult = {
    command,
    exitCode: typeof res.exitCode === 'number' ? res.exitCode : null,
    signal: res.signal ?? null,
    stdout: String(res.stdout ?? ''),
    stderr: String(res.stderr ?? ''),
    durationMs: performance.now() - started,
    timedOut,
  };
  trace(result);
  if ((res as { code?: string }).code === 'ENOENT' || /ENOENT/.test(String((res as { originalMessage?: string }).originalMessage ?? ''))) {
    throw new MissingToolError(file, `install it (isolab provision installs what the suites need)`);
  }
  if ((opts.check ?? true) && (result.exitCode !== 0 || timedOut)) throw new CommandError(result);
  return result;
}

/** true when the program exists on PATH (no exec, just a lookup). */
export async function which(tool: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = `${dir}/${tool}`;
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** A long-running process (a server, a CPU hog) that the caller must stop. */
export interface Background {
  pid: number;
  command: string;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the process exits (or after timeoutMs, then null). */
  exited(timeoutMs: number): Promise<RunResult | null>;
  /** SIGTERM the group, then SIGKILL after graceMs; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function start(file: string, args: readonly string[] = [],
  opts: Omit<RunOptions, 'check' | 'timeoutMs'> & { maxLifeMs?: number } = {}): Background {
  const command = quote(file, args);
  const started = performance.now();
  const child: ResultPromise = spawn(file, args, opts);
  if (!child.pid) throw new MissingToolError(file, 'install it (isolab provision installs what the suites need)');
  const pid = child.pid;
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let done: RunResult | null = null;
  // Even a forgotten background process is bounded: it dies after maxLifeMs.
  const life = setTimeout(() => killGroup(pid, 'SIGKILL'), opts.maxLifeMs ?? 120_000);
  life.unref();
  const finished = (child as unknown as Promise<{ exitCode?: number; signal?: string }>).then((res) => {
    clearTimeout(life);
    done = {
      command,
      exitCode: typeof res.exitCode === 'number' ? res.exitCode : null,
      signal: res.signal ?? null,
      stdout,
      stderr,
      durationMs: performance.now() - started,
      timedOut: false,
    };
    return done;
  });
  const exited = (timeoutMs: number) =>
    Promise.race([finished, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs).unref())]);
  return {
    pid,
    command,
    output: () => ({ stdout, stderr }),
    exited,
    async stop(graceMs = 1000) {
      if (done) return;
      killGroup(pid, 'SIGTERM');
      if (!(await exited(graceMs))) {
        killGroup(pid, 'SIGKILL');
        await exited(5000);
      }
    },
  };
}
