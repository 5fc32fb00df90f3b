// An overlay mounted by an unprivileged user in a user namespace of its own (`userxattr`), as
// rootless Podman and BuildKit do. The mount lives in that process's mount namespace only: the
// host never sees it, and it is gone when the process ends (by pid, through the ledger). The ops
// run inside the namespace as its root (mapped to the host's `nobody`); the merged view is read
// from outside through /proc/<pid>/root.
import { run, start } from '../core/exec.js';
import type { Ledger } from '../core/ledger.js';
import { overlayOptions, validateOverlay, type OverlaySpec } from './mount.js';
import type { Op } from './ops.js';
import { until } from '../core/waits.js';

/** The unprivileged user the namespace is made by (the host's nobody). */
export const ROOTLESS_UID = 65534;

export interface RootlessMount {
  pid: number;
  /** the merged dir as this process reaches it */
  merged: string;
  apply(o: Op): Promise<string>;
}

/** errno names for the messages coreutils print (strerror), so outcomes compare like in-process ones. */
const ERRNO: Array<[RegExp, string]> = [
  [/Invalid cross-device link/i, 'EXDEV'],
  [/Read-only file system/i, 'EROFS'],
  [/Permission denied/i, 'EACCES'],
  [/Operation not permitted/i, 'EPERM'],
  [/No such file or directory/i, 'ENOENT'],
  [/File exists/i, 'EEXIST'],
  [/Directory not empty/i, 'ENOTEMPTY'],
  [/Operation not supported/i, 'EOPNOTSUPP'],
];

/** The shell form of each op: arguments passed as $1.., never spliced into the script. */
function shellOp(o: Op): string[] {
  switch (o.op) {
    case 'write': return ['printf %s "$2" > "$1"', o.path, o.content];
    case 'append': return ['printf %s "$2" >> "$1"', o.path, o.content];
    case 'rm': return ['rm -- "$1"', o.path];
    case 'rmdir': return ['rm -r -- "$1"', o.path];
    case 'mkdir': return ['mkdir -- "$1"', o.path];
    // mv would copy on EXDEV and hide it; perl (always on Debian) makes the one syscall.
    case 'rename': return ['perl -e \'rename($ARGV[0], $ARGV[1]) or die "$!\\n"\' "$1" "$2"', o.path, o.to];
    case 'link': return ['perl -e \'link($ARGV[0], $ARGV[1]) or die "$!\\n"\' "$1" "$2"', o.path, o.to];
    case 'symlink': return ['ln -s -- "$2" "$1"', o.path, o.target];
    case 'chmod': return ['chmod "$2" -- "$1"', o.path, o.mode];
    case 'chown': return ['chown "$2" -- "$1"', o.path, `${o.uid}:${o.gid}`];
    case 'truncate': return ['truncate -s "$2" -- "$1"', o.path, String(o.size)];
    case 'setxattr': return ['setfattr -n "$2" -v "$3" -- "$1"', o.path, o.name, o.value];
  }
}

export async function mountRootless(ledger: Ledger, root: string, spec: OverlaySpec): Promise<RootlessMount> {
  await validateOverlay(spec);
  // The layers belong to the unprivileged user, as a rootless engine's do: a file owned by an
  // id outside the namespace's map could be read, but never written or copied up, from inside.
  await run('chown', ['-R', `${ROOTLESS_UID}:${ROOTLESS_UID}`, '--', root], { timeoutMs: 10_000 });
  const opts = overlayOptions({ ...spec, options: { ...spec.options, userxattr: true } });
  const script = 'mount -t overlay overlay -o "$1" "$2" || exit 3; echo mounted; exec sleep 600';
  const p = start('setpriv', ['--reuid', String(ROOTLESS_UID), '--regid', String(ROOTLESS_UID), '--clear-groups', '--',
    'unshare', '--user', '--map-root-user', '--mount', 'sh', '-c', script, 'sh', opts, spec.target], { maxLifeMs: 120_000 });
  ledger.add('process', `${p.pid} rootless overlay`, () => p.stop(200));
  const seen = await until(async () => p.output().stdout.includes('mounted') ? 'mounted' : await p.exited(0),
    { what: 'the unprivileged overlay mount', timeoutMs: 5000, everyMs: 25, orThrow: true });
  if (seen !== 'mounted') throw new Error(`the unprivileged overlay mount failed `
    + `(exit ${seen!.exitCode ?? seen!.signal}): ${seen!.stderr.trim() || 'no message'}`);
  // `sh` exec'd `sleep`, so p.pid is the namespace's process; nsenter joins its namespaces.
  const apply = async (o: Op) => {
    const [body, ...args] = shellOp(o);
    const r = await run('nsenter',
      ['-t', String(p.pid), '-U', '-m', '--', 'sh', '-c', `cd "$0" && ${body}`, spec.target, ...args], { check: false, timeoutMs: 10_000 });
    if (r.exitCode === 0) return 'ok';
    return ERRNO.find(([re]) => re.test(r.stderr))?.[1] ?? `failed: ${r.stderr.trim()}`;
  };
  return { pid: p.pid, merged: `/proc/${p.pid}/root${spec.target}`, apply };
}
