// `isolab provision`: the project's own set-up (scripts/provision.sh), idempotent.
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';

export const PROVISION_SCRIPT = fileURLToPath(new URL('../../../scripts/provision.sh', import.meta.url));

export async function provision(opts: { go?: boolean; vm?: boolean; ifRoot?: boolean }): Promise<number> {
  if (process.getuid?.() !== 0) {
    if (opts.ifRoot) {
      process.stderr.write('isolab provision: not root, skipping set-up (suites that need root will skip)\n');
      return 0;
    }
    process.stderr.write('isolab provision: must run as root: sudo npx isolab provision\n');
    return 1;
  }
  const args = [PROVISION_SCRIPT, ...(opts.go === false ? ['--no-go'] : []), ...(opts.vm === false ? ['--no-vm'] : [])];
  // Streamed, not captured: apt and debootstrap take a while and the user should see it.
  // provision.sh bounds each of its own steps with timeout(1).
  return new Promise((resolve) => {
    const child = spawn('bash', args, { stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', (e) => {
      process.stderr.write(`isolab provision: ${e.message}\n`);
      resolve(1);
    });
  });
}
