// The job a script part runs in its throwaway kernel, as one shell script: the declared kernel
// settings first (so a verdict never depends on the grading host's defaults), the student's
// setup as root in a copy of the part's folder, bounded, then each check's command in order,
// each bounded, its output and exit code written to /job/out for the host to judge.
import type { CoursePart } from '../course.js';

export const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** Each check's bound inside the kernel (s): a ping's or a connect's wait, an `ip` query. */
export const CHECK_SECONDS = 15;
const SETUP_PIDS = 256;
const SETUP_MEMORY = '512M';

export function kernelJob(part: CoursePart): string {
  const s = part.script!;
  const sysctls = Object.entries(s.kernel?.sysctl ?? {});
  const checks = part.checks.filter((c) => c.kind.inKernel);
  return `#!/bin/sh
# isolab: a script part graded in a throwaway kernel
out=/job/out
mkdir -p "$out"
# The tools students' scripts call: sudo (they are root here) and ping (busybox's).
mkdir -p /job/bin
printf '#!/bin/sh\\nexec "$@"\\n' > /job/bin/sudo
command -v ping >/dev/null 2>&1 || printf '#!/bin/sh\\nexec busybox ping "$@"\\n' > /job/bin/ping
chmod +x /job/bin/*
export PATH=/job/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The declared kernel settings, before anything of the student's runs.
: > "$out/kernel"
${sysctls.map(([k, v]) => `sysctl -w ${q(`${k}=${v}`)} >> "$out/kernel" 2>&1 || echo "could not set ${k}" >> "$out/kernel"`).join('\n')}
uname -r > "$out/uname"
# The guest's own disk read-only: what the setup writes goes to tmpfs (memory) or the job disk
# (a few hundred MB), never into the host's copy-on-write file behind /.
mount -o remount,ro / 2>> "$out/kernel"
cd /job/sub || exit 90
# The setup, as root, in a cgroup of its own: what it starts (a server in a namespace, or a fork
# bomb) keeps at most ${SETUP_PIDS} processes, ${SETUP_MEMORY}, half a CPU — the checks after it get the rest.
cg=/sys/fs/cgroup/isolab-setup
echo "+pids +memory +cpu" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
mkdir -p "$cg" && echo ${SETUP_PIDS} > "$cg/pids.max" && echo ${SETUP_MEMORY} > "$cg/memory.max" && echo "50000 100000" > "$cg/cpu.max" \
  || echo "no setup cgroup: the setup runs unbounded but for its time" >> "$out/kernel"
cat > /job/setup-commands.sh <<'END_OF_SETUP'
${s.run.join('\n')}
END_OF_SETUP
sh -c 'echo $$ > /sys/fs/cgroup/isolab-setup/cgroup.procs 2>/dev/null; exec sh /job/setup-commands.sh' > "$out/setup.out" 2>&1 < /dev/null &
setup=$!
# Bounded as a whole: past its time, everything it started is killed (its kernel state stays).
( sleep ${s.within ?? 30}; echo timeout > "$out/setup.timeout"; echo 1 > "$cg/cgroup.kill" 2>/dev/null; kill -KILL $setup 2>/dev/null ) &
watch=$!
wait $setup
echo $? > "$out/setup.rc"
kill $watch 2>/dev/null
${checks.map((c, i) => `# ${c.id}
timeout -s KILL ${CHECK_SECONDS} sh -c ${q(c.kind.inKernel!.command(c.value as never))} > "$out/${i}.out" 2> "$out/${i}.err" < /dev/null
echo $? > "$out/${i}.rc"`).join('\n')}
sync
echo done > "$out/done"
`;
}
