// podman.daemonless's checks over what was seen of each engine (the control swaps them).
import type { Check } from '../../src/claims/claim.js';

export interface EngineSeen {
  /** the container's main process's parent (comm), on the host */
  parent: string;
  /** engine server processes running (dockerd, `podman system service`), before and after */
  daemons: { before: string[]; after: string[] };
  /** the CLI with its server unreachable: exit code and what it said */
  unreachable?: { exit: number | null; said: string };
}

export function daemonChecks(docker: EngineSeen, podman: EngineSeen): Check[] {
  return [
    { ok: /^containerd-shim/.test(docker.parent),
      what: "docker: the container's process is a child of containerd's shim, not of the CLI",
      expected: 'containerd-shim…', actual: docker.parent },
    { ok: docker.daemons.before.length > 0 && docker.daemons.after.length > 0,
      what: 'docker: a daemon serves the CLI (dockerd running before and after)', expected: 'dockerd',
      actual: docker.daemons.before.join(', ') || 'none' },
    { ok: !!docker.unreachable && docker.unreachable.exit !== 0
      && /Cannot connect|daemon/i.test(docker.unreachable.said),
      what: "docker: with the daemon's socket unreachable the CLI fails", expected: 'fails: cannot connect',
      actual: docker.unreachable ? `exit ${docker.unreachable.exit}: ${docker.unreachable.said}` : '—' },
    { ok: podman.parent === 'conmon',
      what: "podman: the container's process is a child of conmon (one monitor per container)", expected: 'conmon', actual: podman.parent },
    { ok: podman.daemons.before.length === 0 && podman.daemons.after.length === 0,
      what: 'podman: no daemon before or after (no `podman system service`)', expected: 'none',
      actual: [...podman.daemons.before, ...podman.daemons.after].join(', ') || 'none' },
  ];
}
