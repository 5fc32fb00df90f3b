// A graded build that may reach package registries (`build: { network: registries }`): its RUN
// steps join an internal network of their own, where the one way out is isolab's egress proxy
// (images/egress: a forward proxy that lets through only the named registries, on ports 80 and
// 443, never to an address of this machine's networks). The proxy's address reaches the steps as
// the proxy build arguments every package manager reads (Docker keeps them out of the image's
// history). A step that ignores them has no route at all. The host's firewall is never touched.
import type { Ledger } from '../../core/ledger.js';
import { docker, runContainer, createNetwork } from '../../docker/cli.js';
import { until } from '../../core/waits.js';
import { NO_HOST_ADDRESS } from '../untrusted.js';

/** Built offline by `isolab provision` (src/provision/plan.ts). */
export const EGRESS_IMAGE = 'isolab/egress:latest';

export interface Egress {
  /** the internal network RUN steps join */
  network: string;
  /** HTTP_PROXY and its kin, for --build-arg or a compose file's build.args */
  args: Record<string, string>;
  /** what the proxy decided so far */
  decisions(): Promise<Decisions>;
}

export interface Decisions {
  allowed: string[];
  /** asked for a host the assignment does not allow: the submission's doing */
  refused: string[];
  /** an allowed registry that did not answer the grading host: not the submission's doing */
  unreachable: string[];
  /** an allowed name that does not exist (a typo in the submission) */
  unknown: string[];
}

/** The proxy's log lines, read into decisions (images/egress/main.go writes one line per decision). */
export function parseDecisions(log: string): Decisions {
  const d: Decisions = { allowed: [], refused: [], unreachable: [], unknown: [] };
  const add = (list: string[], v: string) => { if (!list.includes(v)) list.push(v); };
  for (const line of log.split('\n')) {
    let m = /^allowed (?:CONNECT|[A-Z]+) (\S+)$/.exec(line);
    if (m) add(d.allowed, m[1]!);
    else if ((m = /^refused [A-Z]+ (\S+) /.exec(line))) add(d.refused, m[1]!);
    else if ((m = /^unreachable (\S+?): (.*)$/.exec(line)))
      add(/no such host/.test(m[2]!) ? d.unknown : d.unreachable, `${m[1]!} (${m[2]!.slice(0, 120)})`);
  }
  return d;
}

/** Why a build through the proxy failed, as far as the proxy saw: the submission's, the host's, or neither said. */
export function egressVerdict(d: Decisions, registries: string[]): { student?: string; host?: string } {
  if (d.refused.length) return { student: `it asked for ${d.refused.join(', ')}, not among the registries this assignment `
    + `allows (${registries.join(', ')})` };
  if (d.unknown.length) return { student: `it asked for ${d.unknown.join(', ')}: no such host` };
  if (d.unreachable.length) return { host: `the registries did not answer the grading host: ${d.unreachable.join('; ')}` };
  return {};
}

export async function startEgress(ledger: Ledger, label: (s: string) => string, registries: string[]): Promise<Egress> {
  const seen = await docker(['image', 'inspect', '--format', '{{.Id}}', EGRESS_IMAGE], { check: false, timeoutMs: 15_000 });
  if (seen.exitCode !== 0) throw new Error(`${EGRESS_IMAGE} is not on this host (a build with registries goes through it): `
    + 'run `sudo npx isolab provision`');
  const network = await createNetwork(ledger, label('build'), ['--internal', '-o', `${NO_HOST_ADDRESS}=true`]);
  // Its way out: a network of its own, named for the run (on the default bridge, its veth would
  // be nobody's to a leak check of another run beside it); nothing of the host's mounted, no capability.
  const out = await createNetwork(ledger, label('egress-out'));
  const proxy = await runContainer(ledger, label('egress'), ['--network', out, '--memory', '64m', '--memory-swap', '64m',
    '--pids-limit', '64', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
    '--log-opt', 'max-size=1m', '-e', `EGRESS_ALLOW=${registries.join(',')}`, EGRESS_IMAGE]);
  await docker(['network', 'connect', network, proxy.name], { timeoutMs: 15_000 });
  const onNetwork = `{{range $k, $v := .NetworkSettings.Networks}}{{if eq $k "${network}"}}{{$v.IPAddress}}{{end}}{{end}}`;
  const ip = (await docker(['inspect', '--format', onNetwork, proxy.name], { timeoutMs: 15_000 })).stdout.trim();
  if (!ip) throw new Error(`the egress proxy has no address on ${network}`);
  const log = async () => (await docker(['logs', proxy.name], { check: false, timeoutMs: 15_000 })).stdout;
  const listening = async () => (await log()).includes('listening on');
  if (!(await until(listening, { what: 'the egress proxy listens', timeoutMs: 15_000, everyMs: 100 })))
    throw new Error('the egress proxy did not start within 15 s');
  const url = `http://${ip}:3128`;
  return {
    network,
    args: { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url },
    decisions: async () => parseDecisions(await log()),
  };
}
