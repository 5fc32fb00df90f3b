// Timing a command's spawn + exec + exit without node's own spawn cost (forking a large process
// and waking the event loop adds ~4 ms, several times what /bin/true costs). A small persistent
// helper spawns, waits and times with a monotonic µs clock — python's posix_spawn, the vfork-like
// spawn hyperfine uses too (perl's fork, which copies page tables, where python is missing).
// It times a batch of samples back to back and answers once: a reply per sample would wake this
// process in the middle of the next one, and on a 2-CPU host that showed as +35% on /bin/true.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';

// One request per line: argvs separated by \x1e, an argv's words by \x1f. One reply per line:
// "<ms>:<status>" for each, space-separated.
const PYTHON = String.raw`
import os, sys, time
null = [(os.POSIX_SPAWN_OPEN, 0, '/dev/null', os.O_RDONLY, 0), (os.POSIX_SPAWN_OPEN, 1, '/dev/null', os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, '/dev/null', os.O_WRONLY, 0)]
for line in sys.stdin:
    out = []
    for cmd in line.rstrip('\n').split('\x1e'):
        argv = cmd.split('\x1f')
        t0 = time.perf_counter_ns()
        try:
            pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=null)
            status = os.waitpid(pid, 0)[1]
        except OSError:
            status = 127 << 8
        out.append('%.6f:%d' % ((time.perf_counter_ns() - t0) / 1e6, status))
    sys.stdout.write(' '.join(out) + '\n')
    sys.stdout.flush()
`;

const PERL = String.raw`
use strict; use warnings; use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC); $| = 1;
while (my $line = <STDIN>) {
  chomp $line;
  my @out;
  for my $cmd (split /\x1e/, $line) {
    my @argv = split /\x1f/, $cmd;
    my $t0 = clock_gettime(CLOCK_MONOTONIC);
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
      open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>', '/dev/null');
      exec { $argv[0] } @argv or exit 127;
    }
    waitpid($pid, 0);
    push @out, sprintf("%.6f:%d", (clock_gettime(CLOCK_MONOTONIC) - $t0) * 1000, $?);
  }
  print join(' ', @out), "\n";
}
`;

/** Which helper spawns: what the results record beside the figures. */
export type TimerMethod = 'python posix_spawn' | 'perl fork';

export class ExecTimer {
  private readonly child: ChildProcessWithoutNullStreams;
  readonly method: TimerMethod;
  private readonly pending: Array<{ resolve: (ms: number[]) => void; reject: (e: Error) => void; argvs: string[][] }> = [];

  /** prefer: 'perl fork' to use the fallback where python3 exists too (its test). */
  constructor(prefer?: TimerMethod) {
    const python = prefer === 'perl fork' ? undefined : ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));
    this.method = python ? 'python posix_spawn' : 'perl fork';
    // Its own process group: a command that hangs is ended together with the helper.
    this.child = python ? spawn(python, ['-c', PYTHON], { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
      : spawn('perl', ['-e', PERL], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let err = '';
    this.child.stderr.on('data', (d) => (err += d));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const p = this.pending.shift();
      if (!p) return;
      const res = line.trim().split(' ').map((x) => x.split(':').map(Number) as [number, number]);
      const bad = res.findIndex(([, status]) => status !== 0);
      if (bad >= 0) {
        const status = res[bad]![1];
        p.reject(new Error(`\`${p.argvs[bad]!.join(' ')}\` exited with status ${status >> 8}${status & 127 ? ` `
          + `(signal ${status & 127})` : ''}`));
      } else p.resolve(res.map(([ms]) => ms));
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending.splice(0))
        p.reject(new Error(`the exec timer (${this.method}) exited ${code}: ${err.trim() || 'no output'}`));
    });
    this.child.on('error', (e) => {
      for (const p of this.pending.splice(0)) p.reject(new Error(`cannot start the exec timer (${this.method}): ${e.message}`));
    });
  }

  /** Milliseconds from spawn to exit, for each command, run back to back. */
  batch(argvs: string[][], timeoutMs = 60_000 * argvs.length): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        reject(new Error(`\`${argvs[0]!.join(' ')}\` ×${argvs.length} did not finish within ${timeoutMs / 1000} s`));
        this.close();
      }, timeoutMs);
      this.pending.push({ argvs, resolve: (v) => (clearTimeout(t), resolve(v)), reject: (e) => (clearTimeout(t), reject(e)) });
      this.child.stdin.write(argvs.map((a) => a.join('\x1f')).join('\x1e') + '\n');
    });
  }

  async time(argv: string[], timeoutMs = 60_000): Promise<number> {
    return (await this.batch([argv], timeoutMs))[0]!;
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
