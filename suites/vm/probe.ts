// One probe, three places: a host process, a container, a VM. It prints KEY=VALUE lines: the
// kernel it runs on (boot_id, release, version), the memory it sees, and — where WRITE=1, never
// on the host — whether root may change its kernel (a global sysctl) and mount a filesystem.
// MARK names a process (a busybox copy named busybox<8 chars>, a whole 15-character comm that
// busybox still runs as itself) the host then looks for while the probe sleeps.

/** The sysctl root tries to change: global (no namespace has its own), so it is the kernel's. */
export const SYSCTL = 'vm/swappiness';

export const PROBE = `
B=/bin/busybox; [ -x $B ] || B=busybox
echo "boot_id=$($B cat /proc/sys/kernel/random/boot_id)"
echo "release=$($B uname -r)"
echo "version=$($B cat /proc/version)"
echo "memtotal_kb=$($B awk '/^MemTotal/{print $2}' /proc/meminfo)"
echo "uid=$($B id -u)"
echo "procs=$($B ls -d /proc/[0-9]* | $B wc -l)"
if [ "\${WRITE:-0}" = 1 ]; then
  was=$($B cat /proc/sys/${SYSCTL}); want=$(( was == 17 ? 18 : 17 ))
  if echo $want 2>/tmp/sysctl.err > /proc/sys/${SYSCTL}; then echo "sysctl_write=ok $was->$($B cat /proc/sys/${SYSCTL})"
  else echo "sysctl_write=refused: $($B cat /tmp/sysctl.err)"; fi
  $B mkdir -p /tmp/isolab-mnt
  if $B mount -t tmpfs isolab /tmp/isolab-mnt 2>/tmp/mount.err; then echo "mount=ok"; $B umount /tmp/isolab-mnt
  else echo "mount=refused: $($B cat /tmp/mount.err)"; fi
fi
if [ -n "\${MARK:-}" ]; then
  $B cp $B /tmp/$MARK; /tmp/$MARK sleep 30 & mp=$!
  echo "mark_pid=$mp"
  echo "ISOLAB-PROBE-MARKED"
  $B sleep "\${HOLD:-4}"; kill $mp 2>/dev/null
fi
echo "ISOLAB-PROBE-DONE"
`;

/** The VM's /init: the probe as root of its own kernel, then power off. */
export const VM_INIT = (o: { mark: string; hold: number }) => `/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mkdir -p /tmp
export WRITE=1 MARK=${o.mark} HOLD=${o.hold}
# A line of its own first: the firmware's last line ("Booting from ROM..") may have no newline.
echo
${PROBE}
/bin/busybox poweroff -f`;

export type Facts = Record<string, string>;

export function parseProbe(out: string): Facts {
  const o: Facts = {};
  // A serial console's lines can start with the firmware's terminal resets (ESC c, ESC [2J).
  for (const line of out.replace(/\x1b(\[[0-9;?]*[A-Za-z]|c)/g, '').split(/\r?\n/)) {
    const m = /^([a-z_]+)=(.*)$/.exec(line.trim());
    if (m && !(m[1]! in o)) o[m[1]!] = m[2]!;
  }
  return o;
}

/** What the host saw of a probe's marked process: its host PID and namespace ids, or nothing. */
export interface HostView {
  /** processes on the host whose name is the mark */
  found: Array<{ pid: number; nspid: number[]; ns: Record<string, string> }>;
  /** the host's own namespaces, for comparison */
  hostNs: Record<string, string>;
}

export const NAMESPACES = ['pid', 'net', 'mnt', 'uts', 'ipc', 'cgroup', 'user'] as const;

/** Processes on this host named `mark` (a comm, ≤ 15 characters): host PID, NSpid, uid, namespaces. */
export async function hostView(mark: string): Promise<HostView & { found: Array<{ uid: number }> }> {
  const { readdir, readFile, readlink } = await import('node:fs/promises');
  const nsOf = async (pid: number | 'self') =>
    Object.fromEntries(await Promise.all(NAMESPACES.map(async (n) => [n, await readlink(`/proc/${pid}/ns/${n}`).catch(() => '?')])));
  const found: Array<{ pid: number; nspid: number[]; ns: Record<string, string>; uid: number }> = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const comm = (await readFile(`/proc/${e}/comm`, 'utf8').catch(() => '')).trim();
    if (comm !== mark) continue;
    const status = await readFile(`/proc/${e}/status`, 'utf8').catch(() => '');
    const nspid = (/^NSpid:\s+(.*)$/m.exec(status)?.[1] ?? '').split(/\s+/).filter(Boolean).map(Number);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    found.push({ pid: Number(e), nspid, ns: await nsOf(Number(e)), uid });
  }
  return { found, hostNs: await nsOf('self') };
}

/** The children of a process (by /proc/<pid>/task/<pid>/children). */
export async function childrenOf(pid: number): Promise<number[]> {
  const { readFile } = await import('node:fs/promises');
  return (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(/\s+/).filter(Boolean).map(Number);
}
