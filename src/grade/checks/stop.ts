// `stop`: a service ends on SIGTERM within N seconds (as `docker stop` asks), not by the SIGKILL after.
import { SERVICE_NAME, type CheckKind } from './kind.js';

export interface StopCheck {
  service?: string;
  within: number;
}

export const stop: CheckKind<StopCheck> = {
  name: 'stop',
  describe: 'a service stops on SIGTERM within N seconds (PID 1 handles the signal; exec-form CMD)',
  phase: 'stop',
  schema: { type: 'object', additionalProperties: false, required: ['within'], properties: {
    service: { type: 'string', pattern: SERVICE_NAME }, within: { type: 'integer', minimum: 1, maximum: 60 } } },
  title: (v) => `${v.service ?? 'the service'} stops on SIGTERM within ${v.within} s`,
  async run(v, part) {
    await part.up();
    const r = await part.stop(v.service, v.within);
    return { checks: [{ what: `stops on SIGTERM within ${v.within} s`, ok: !r.killed && r.ms <= v.within * 1000,
      expected: `≤ ${v.within} s`, actual: r.killed ? `killed after ${(r.ms / 1000).toFixed(1)} s (SIGTERM ignored)` : `${(r.ms / 1000).toFixed(1)} s, exit ${r.exitCode}` }],
    summary: `stopped in ${(r.ms / 1000).toFixed(1)} s${r.killed ? ' by SIGKILL' : ''}` };
  },
  hint: () => 'let PID 1 handle SIGTERM: CMD in exec form (["prog"]), or exec the program from the script',
  example: { value: { service: 'app', within: 5 }, points: 1, hint: 'the app stops on docker stop without waiting for the kill' },
};
