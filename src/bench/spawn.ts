// The cheapest honest way to time a command from node: spawn, wait for exit, no pipes.
import { spawn } from 'node:child_process';

export function spawnWait(argv: string[], timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.on('exit', (code, sig) => {
      clearTimeout(t);
      if (code === 0) resolve();
      else reject(new Error(`\`${argv.join(' ')}\` ${sig ? `killed by ${sig}` : `exited ${code}`}`));
    });
  });
}
