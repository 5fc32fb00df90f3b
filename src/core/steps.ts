// A plan's step — a bounded command or a file to write — as the guest recipe and host
// provisioning both describe them (values tests read), and the one way both executors run one.
import { $ } from 'zx';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Step {
  title: string;
  /** a command (argv), or a file to write */
  argv?: string[];
  write?: { path: string; text: string; mode?: number };
  timeoutMs?: number;
  /** a daemon: started detached, its output to `log`, ready when the engine answers (host provisioning) */
  background?: { log: string; readyWithinMs: number };
  /** a failure is reported, not fatal */
  optional?: boolean;
}

/** Write the step's file, or run its command with zx (bounded, never throwing): exit code and output. */
export async function runStep(step: Step, env?: NodeJS.ProcessEnv): Promise<{ exitCode: number | null; output: string }> {
  if (step.write) {
    await mkdir(path.dirname(step.write.path), { recursive: true });
    await writeFile(step.write.path, step.write.text);
    if (step.write.mode) await chmod(step.write.path, step.write.mode);
    return { exitCode: 0, output: '' };
  }
  if (!step.argv) return { exitCode: 0, output: '' };
  const r = await $({ timeout: step.timeoutMs ?? 120_000, nothrow: true, quiet: true, verbose: false,
    ...(env ? { env } : {}) })`${step.argv}`;
  return { exitCode: r.exitCode, output: (r.stderr || r.stdout).trim() };
}
