// Timing a command's fork + exec + exit without node's own spawn cost (forking a large
// process and waking the event loop adds ~4 ms, several times what /bin/true costs). A small
// persistent perl process forks, execs and waits, timing with a µs clock, and reports each
// duration; tinybench takes it as the sample (overriddenDuration). hyperfine -N measures the
// same way, which is what the fidelity comparison checks.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

const SCRIPT = String.raw`
use strict; use warnings; use Time::HiRes qw(time); $| = 1;
while (my $line = <STDIN>) {
  chomp $line;
  my @argv = split /\x1f/, $line;
  my $t0 = time;
  my $pid = fork();
  die "fork: $!" unless defined $pid;
  if ($pid == 0) {
    open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>', '/dev/null');
    exec { $argv[0] } @argv or exit 127;
  }
  waitpid($pid, 0);
  my $status = $?;
  printf "%.6f %d\n", (time - $t0) * 1000, $status;
}
`;

export class ExecTimer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: Array<{ resolve: (ms: number) => void; reject: (e: Error) => void; argv: string[] }> = [];

  constructor() {
    // Its own process group: a command that hangs is ended together with the helper.
    this.child = spawn('perl', ['-e', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let err = '';
    this.child.stderr.on('data', (d) => (err += d));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const p = this.pending.shift();
      if (!p) return;
      const [ms, status] = line.split(' ').map(Number);
      if (status !== 0) p.reject(new Error(`\`${p.argv.join(' ')}\` exited with status ${status! >> 8}${status! & 127 ? ` (signal ${status! & 127})` : ''}`));
      else p.resolve(ms!);
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending.splice(0)) p.reject(new Error(`the exec timer (perl) exited ${code}: ${err.trim() || 'no output'}; is perl installed?`));
    });
    this.child.on('error', (e) => {
      for (const p of this.pending.splice(0)) p.reject(new Error(`cannot start perl for the exec timer: ${e.message}`));
    });
  }

  /** Milliseconds from fork to the command's exit. */
  time(argv: string[], timeoutMs = 60_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        reject(new Error(`\`${argv.join(' ')}\` did not finish within ${timeoutMs / 1000} s`));
        this.close();
      }, timeoutMs);
      this.pending.push({ argv, resolve: (v) => (clearTimeout(t), resolve(v)), reject: (e) => (clearTimeout(t), reject(e)) });
      this.child.stdin.write(argv.join('\x1f') + '\n');
    });
  }

  close(): void {
    this.child.stdin.end();
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
