// `tcp`: a service accepts (or refuses) a connection on a port, from the grader's probe.
import { SERVICE_NAME, type CheckKind } from './kind.js';

export interface TcpCheck {
  service?: string;
  port: number;
  /** false: nothing may listen there */
  open?: boolean;
}

export const tcp: CheckKind<TcpCheck> = {
  name: 'tcp',
  describe: 'a service accepts a TCP connection on a port inside the project (or, open: false, refuses it)',
  phase: 'service',
  schema: { type: 'object', additionalProperties: false, required: ['port'], properties: {
    service: { type: 'string', pattern: SERVICE_NAME }, port: { type: 'integer', minimum: 1, maximum: 65535 }, open: { type: 'boolean' } } },
  title: (v) => `${v.service ?? 'the service'}:${v.port} ${v.open === false ? 'closed' : 'accepts'}`,
  async run(v, part) {
    await part.up();
    const r = await part.tcp(v.service, v.port);
    const want = v.open ?? true;
    return { checks: [{ what: `${v.service ?? 'the service'}:${v.port} ${want ? 'accepts' : 'refuses'} a connection`, ok: r.open === want,
      expected: want ? 'open' : 'closed', actual: r.open ? 'open' : `closed (${r.said})` }], summary: r.open ? 'open' : 'closed' };
  },
  hint: (v) => `${v.service ?? 'the service'} must ${v.open === false ? 'not ' : ''}listen on port ${v.port}`,
  example: { value: { service: 'db', port: 6379 }, points: 1, hint: 'the database listens on 6379 inside the project' },
};
