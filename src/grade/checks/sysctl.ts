// `sysctl`: a kernel setting inside a network namespace (or the root one) after the setup.
import type { CheckKind } from './kind.js';
import { PartFailure } from './kind.js';

export interface SysctlCheck {
  ns?: string;
  key: string;
  value: string;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export const sysctl: CheckKind<SysctlCheck> = {
  name: 'sysctl',
  describe: 'a script part: a kernel setting in a network namespace (forwarding in the router, say)',
  phase: 'kernel',
  schema: { type: 'object', additionalProperties: false, required: ['key', 'value'], properties: {
    ns: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'a namespace the setup made (default: root)' },
    key: { type: 'string', pattern: '^[a-z0-9_.-]+$', description: 'e.g. net.ipv4.ip_forward' },
    value: { type: 'string' } } },
  title: (v) => `${v.key} = ${v.value} in ${v.ns ?? 'the root namespace'}`,
  run: async () => { throw new PartFailure('sysctl runs inside the part\'s kernel'); },
  inKernel: {
    command: (v) => `${v.ns && v.ns !== 'root' ? `ip netns exec ${q(v.ns)} ` : ''}cat /proc/sys/${v.key.replace(/\./g, '/')}`,
    judge: (v, r) => ({ checks: [{ what: `${v.key} in ${v.ns ?? 'root'} is ${v.value}`, ok: r.exitCode === 0 && r.stdout.trim() === v.value,
      expected: v.value, actual: r.exitCode === 0 ? r.stdout.trim() : (r.stderr.trim() || `exit ${r.exitCode}`) }], summary: r.stdout.trim() }),
  },
  hint: (v) => `set ${v.key}=${v.value} in ${v.ns ?? 'the root namespace'} (ip netns exec ${v.ns ?? '…'} sysctl -w …)`,
  example: { value: { ns: 'router', key: 'net.ipv4.ip_forward', value: '1' }, points: 1, hint: 'the router forwards' },
};
