// The probe that runs in both containers — isolab's and docker's — and on the host for the
// negative control. POSIX sh for busybox; one key=value line per observation.
export const PROBE = `
echo "pid=$$"
echo "pid1=$(cat /proc/1/comm 2>/dev/null)"
echo "hostname=$(hostname)"
echo "procs=$(ls -d /proc/[0-9]* | wc -l)"
echo "mounts=$(awk '{print $2}' /proc/self/mounts | sort -u | tr '\\n' ' ')"
echo "ifaces=$(awk -F: 'NR>2 {gsub(/ /,"",$1); print $1}' /proc/net/dev | sort | tr '\\n' ' ')"
if echo probe-wrote > /written-by-probe 2>/dev/null; then echo "write=ok"; else echo "write=failed"; fi
if ping -c 1 -W 2 "$PEER" >/dev/null 2>&1; then echo "peer=reached"; else echo "peer=unreachable"; fi
dd if=/dev/zero of=/dev/null bs=\${OVER_MB}M count=1 2>/dev/null; echo "alloc_exit=$?"
( for i in $(seq \${FORKS}); do sleep 2 >/dev/null 2>&1 & done; echo all-forked ) 2>/dev/null | grep -q all-forked `
  + `&& echo "forks=all" || echo "forks=refused"
`;

export const limits = { memoryBytes: 32 * 1024 * 1024, overMb: 64, pids: 16, forks: 40, cpuWeight: 50 };

/** Files an engine mounts into every container of its own: podman's marker (podman-run(1)). */
const ENGINE_FILES = /(^| )\/run\/\.containerenv(?= |$)/g;

export type Observations = Record<string, string>;

export function parseProbe(out: string): Observations {
  return Object.fromEntries(out.split('\n').filter((l) => /^\w+=/.test(l)).map((l) =>
    [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
}

export interface Expectation {
  what: string;
  /** the probe's key this expectation reads */
  key: string;
  holds(o: Observations, ctx: { hostname: string }): boolean;
}

/** What isolation means here; each one must hold in both containers and fail on the host. */
export const expectations: Expectation[] = [
  { key: 'pid', what: 'its own PID 1 (the probe is pid 1)', holds: (o) => o.pid === '1' },
  { key: 'hostname', what: 'its own hostname', holds: (o, c) => o.hostname === c.hostname },
  { key: 'procs', what: 'the process tree is invisible (≤ 5 processes)', holds: (o) => Number(o.procs) <= 5 },
  { key: 'ifaces', what: 'only its own interfaces (lo, eth0)', holds: (o) => o.ifaces === 'eth0 lo' },
  // The host's own filesystems (state, temp, homes, work trees) are not mounted inside. Podman's
  // /run/.containerenv is the engine's file for this container (as docker's /etc/hosts), not /run.
  { key: 'mounts', what: 'only its own mounts (none of the host\'s /run, /var, /tmp, /home, /work)',
    holds: (o) => !!o.mounts && !/(^| )\/(run|var|tmp|home|work)(\/| |$)/.test(o.mounts.replace(ENGINE_FILES, ' ')) },
  { key: 'alloc_exit', what: 'a memory limit: the allocation past it is killed', holds: (o) => o.alloc_exit === '137' },
  { key: 'forks', what: 'a pids limit: forking past it is refused', holds: (o) => o.forks === 'refused' },
  { key: 'peer', what: 'the network reaches the bridge peer by address', holds: (o) => o.peer === 'reached' },
];
