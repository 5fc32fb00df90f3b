// Outside load of the run's own, for trying verdicts the way a shared host meets them: one
// process per CPU, pinned there, busy a set part of every 100 ms by its own clock and asleep
// for the rest — a neighbour's steady load. The run starts it and ends it, by pid.
import os from 'node:os';
import { start, type Background } from './exec.js';

/** `cpu=0.3`: each CPU busy 30% of the time. */
export interface BesideLoad {
  cpu: number;
}

export function parseBeside(spec: string): BesideLoad {
  const m = /^cpu=(0(?:\.\d+)?|1(?:\.0+)?)$/.exec(spec.trim());
  if (!m || Number(m[1]) <= 0) {
    throw new Error(`--beside "${spec}": give the outside load as cpu=FRACTION, each CPU busy that part of the time (e.g. cpu=0.3)`);
  }
  return { cpu: Number(m[1]) };
}

const PERIOD_MS = 100;

// The duty cycle: spin until busy ms have passed, sleep out the period; in JS so that it needs
// nothing but the node running isolab.
const DUTY = `const [busy, period] = process.argv.slice(1).map(Number);
const tick = () => { const t0 = performance.now(); while (performance.now() - t0 < busy); setTimeout(tick, period - busy); };
tick();`;

export interface Load {
  pids: number[];
  description: string;
  stop(): Promise<void>;
}

/** Start the load on every CPU this process may use; bounded by maxLifeMs, ended on exit. */
export function startLoad(load: BesideLoad, o: { cpus?: number[]; maxLifeMs?: number } = {}): Load {
  const cpus = o.cpus ?? [...Array(os.availableParallelism()).keys()];
  const busy = Math.round(load.cpu * PERIOD_MS);
  const procs: Background[] = cpus.map((c) =>
    start('taskset', ['-c', String(c), process.execPath, '-e', DUTY, String(busy), String(PERIOD_MS)],
      { maxLifeMs: o.maxLifeMs ?? 4 * 3600_000 }));
  const kill = () => {
    for (const p of procs) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  process.once('exit', kill);
  return {
    pids: procs.map((p) => p.pid),
    description: `outside load: ${load.cpu} CPU on each of CPUs ${cpus.join(',')} (${procs.length} processes, `
      + `pids ${procs.map((p) => p.pid).join(' ')})`,
    async stop() {
      process.removeListener('exit', kill);
      await Promise.all(procs.map((p) => p.stop(200)));
    },
  };
}
