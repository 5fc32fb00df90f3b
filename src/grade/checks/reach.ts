// `reach`: from a network namespace of the student's topology, an address answers (ping, or a
// TCP port) — or, `expect: false`, does not; `after` runs a command first (remove the router).
import type { CheckKind } from './kind.js';
import { PartFailure } from './kind.js';

export interface ReachCheck {
  /** a network namespace the setup made, or "root" */
  from: string;
  to: string;
  tcp?: number;
  expect?: boolean;
  after?: string;
}

const NS = '^[A-Za-z0-9_.-]+$';
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const inNs = (ns: string, cmd: string) => (ns === 'root' ? cmd : `ip netns exec ${q(ns)} ${cmd}`);

export const reach: CheckKind<ReachCheck> = {
  name: 'reach',
  describe: 'a script part: from a network namespace, an address answers ping (or a TCP port) — or does not',
  phase: 'kernel',
  schema: { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: {
    from: { type: 'string', pattern: NS, description: 'a namespace the setup made, or "root"' },
    to: { type: 'string', pattern: '^[0-9a-fA-F.:]+$', description: 'an address (IPv4 or IPv6)' },
    tcp: { type: 'integer', minimum: 1, maximum: 65535, description: 'a TCP port instead of ping' },
    expect: { type: 'boolean', description: 'false: it must not answer' },
    after: { type: 'string', minLength: 1, description: 'a command run first (e.g. ip netns del router)' } } },
  title: (v) => `${v.after ? `after \`${v.after}\`: ` : ''}${v.from} → ${v.to}${v.tcp ? `:${v.tcp}` : ''} ${v.expect === false ? 'unreachable' : 'reachable'}`,
  run: async () => { throw new PartFailure('reach runs inside the part\'s kernel'); },
  inKernel: {
    command: (v) => `${v.after ? `${v.after} >/dev/null 2>&1; ` : ''}${inNs(v.from, v.tcp
      ? `timeout 5 busybox nc -w 3 ${q(v.to)} ${v.tcp} </dev/null` : `ping -c 1 -W 2 ${q(v.to)}`)}`,
    judge: (v, r) => {
      const reached = r.exitCode === 0;
      const want = v.expect ?? true;
      return { checks: [{ what: `${v.from} → ${v.to}${v.tcp ? `:${v.tcp}` : ''} ${want ? 'answers' : 'does not answer'}`, ok: reached === want,
        expected: want ? 'an answer' : 'no answer', actual: reached ? 'answered' : `no answer (${(r.stdout + r.stderr).trim().split('\n').pop() ?? ''})` }],
      summary: reached ? 'answered' : 'no answer' };
    },
  },
  hint: (v) => (v.expect === false ? `${v.to} must not be reachable from ${v.from} then` : `${v.from} must reach ${v.to}: addresses, routes both ways, forwarding in the router`),
  example: { value: { from: 'ns1', to: '10.0.2.2' }, points: 2, hint: 'ns1 reaches ns2 through the router' },
};
