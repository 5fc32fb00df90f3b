// podman.docker-compose's checks over what the docker-compose binary did against Podman's API
// socket. Pure: the negative control gives them the same run against no Podman service.
import type { Check } from '../../src/types/check.js';

export interface ComposeOnPodman {
  /** what the Docker CLI said the server behind the socket is */
  server: string;
  upExit: number | null;
  /** how `up --build` ended when it did not exit: which bound stopped it */
  upEnded?: string;
  /** server1's log lines with the message */
  received: string[];
  /** the project's containers as podman itself lists them (by the compose project label) */
  podmanListed: string[];
  /** what is left on podman after `down` */
  leftAfterDown: string[];
  downExit: number | null;
}

export function podmanComposeChecks(r: ComposeOnPodman, message: string): Check[] {
  return [
    { ok: /podman/i.test(r.server), what: "the Docker CLI's API reaches Podman (podman system service on a socket)",
      expected: 'Podman Engine', actual: r.server },
    { ok: r.upExit === 0, what: 'docker-compose builds and runs the lecture\'s project on it: the client exits 0',
      expected: 0, actual: r.upEnded ?? r.upExit },
    { ok: r.received.length > 0, what: `server1 receives "${message}" by service name`,
      expected: `a log line with ${message}`, actual: r.received[0] ?? 'none' },
    { ok: r.podmanListed.length >= 2,
      what: 'the containers are podman\'s: `podman ps -a` lists them by the project label', expected: '≥ 2',
      actual: r.podmanListed.join(', ') || 'none' },
    { ok: r.downExit === 0 && r.leftAfterDown.length === 0, what: 'docker-compose down removes them from podman',
      expected: 'nothing left', actual: `exit ${r.downExit}; left: ${r.leftAfterDown.join(', ') || 'nothing'}` },
  ];
}
