// Starting dockerd in the background, also right after a crash. dockerd refuses to start while
// its pid file names a live pid ("pid file found"), and a killed engine stays a process (a zombie
// its parent has not reaped yet) for a moment after SIGKILL: a pid file naming a process that is
// gone, a zombie, or not dockerd at all is removed first, and a dockerd still dying is waited for
// (bounded). The same for the containerd dockerd runs: it dies with dockerd and stays a zombie as
// long, and a new dockerd that finds its pid "alive" dials its dead socket and gives up. A started
// dockerd that exits says why at once, not after the whole wait.
import { spawn } from 'node:child_process';
import { open, readFile, rm } from 'node:fs/promises';
import { engineUp, until } from '../core/waits.js';

export interface EngineStart {
  argv: string[];
  log: string;
  readyWithinMs: number;
  /** DOCKER_HOST for the readiness check (default: the CLI's own) */
  host?: string;
}

/** A dockerd flag's value in argv (`--flag v` or `--flag=v`), else the default for root. */
const flagOf = (argv: string[], flag: string, fallback: string) => {
  const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  return i < 0 ? fallback : argv[i]!.includes('=') ? argv[i]!.split('=')[1]! : argv[i + 1]!;
};

/** The pid files dockerd's start reads: its own, and that of the containerd it runs. */
export const pidfilesOf = (argv: string[]): Array<[string, string]> => [
  [flagOf(argv, '--pidfile', '/var/run/docker.pid'), 'dockerd'],
  [`${flagOf(argv, '--exec-root', '/var/run/docker')}/containerd/containerd.pid`, 'containerd']];

/** A process's state letter and name (from /proc/<pid>/stat), or null when it is gone. */
async function procState(pid: number): Promise<{ state: string; comm: string } | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  const m = stat ? /\((.*)\) (\S)/.exec(stat) : null;
  return m ? { comm: m[1]!, state: m[2]! } : null;
}

/**
 * A pid file left by a dead engine (`name`: dockerd or containerd): removed; one whose process is
 * still running as that program is waited for (a killed one goes in milliseconds), bounded.
 */
export async function clearStalePidfile(pidfile: string, name: string, waitMs = 10_000): Promise<string | null> {
  const pid = Number((await readFile(pidfile, 'utf8').catch(() => '')).trim());
  if (!pid) return null;
  const going = async () => { const p = await procState(pid); return !p || p.state === 'Z' || p.comm !== name; };
  if (!(await until(going, { what: `${name} (pid ${pid}) to go`, timeoutMs: waitMs })))
    throw new Error(`a ${name} (pid ${pid}, ${pidfile}) is running but the engine does not answer: stop it `
      + `(kill ${pid}) or wait for it`);
  const p = await procState(pid);
  await rm(pidfile, { force: true });
  return `removed the stale ${pidfile} (pid ${pid}: ${!p ? 'gone' : p.state === 'Z' ? 'a zombie' : `now ${p.comm}`})`;
}


/** Start dockerd detached (it outlives this command, as a service would); resolves once it answers. */
export async function startEngine(o: EngineStart, say: (s: string) => void = () => undefined): Promise<{ pid: number; ms: number }> {
  const t0 = Date.now();
  for (const [file, name] of pidfilesOf(o.argv)) {
    const cleared = await clearStalePidfile(file, name);
    if (cleared) say(`  ${cleared}`);
  }
  const log = await open(o.log, 'a');
  const child = spawn(o.argv[0]!, o.argv.slice(1), { detached: true, stdio: ['ignore', log.fd, log.fd] });
  let exited: string | null = null;
  child.on('error', (e) => (exited = e.message));
  child.on('exit', (code, signal) => (exited = `exit ${code ?? signal}`));
  child.unref();
  await log.close();
  const up = await until(async () => exited ? 'exited' : (await engineUp({ what: 'dockerd', timeoutMs: 0 }, o.host)) && 'up',
    { what: 'dockerd to answer', timeoutMs: o.readyWithinMs, everyMs: 250 });
  if (up === 'up') return { pid: child.pid!, ms: Date.now() - t0 };
  const tail = (await readFile(o.log, 'utf8').catch(() => '')).trim().split('\n').slice(-8).join('\n');
  throw new Error(`${o.argv[0]} ${exited ? `stopped at start (${exited})` : `did not answer within ${o.readyWithinMs / 1000} s`}; `
    + `the end of ${o.log}:\n${tail}`);
}
