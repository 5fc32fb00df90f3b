// `logs`: what a running service printed (its container's output, capped).
import { SERVICE_NAME, type CheckKind } from './kind.js';
import { matchText, TEXT_MATCH_SCHEMA, type TextMatch } from './match.js';

export interface LogsCheck extends TextMatch {
  service?: string;
}

export const logs: CheckKind<LogsCheck> = {
  name: 'logs',
  describe: 'what a running service printed: contains, excludes, matches',
  phase: 'service',
  schema: { type: 'object', additionalProperties: false, properties: { service: { type: 'string', pattern: SERVICE_NAME }, ...TEXT_MATCH_SCHEMA } },
  title: (v) => `${v.service ?? 'the service'}'s log ${v.contains ? `says ${JSON.stringify(v.contains)}` : 'reads as asked'}`,
  async run(v, part) {
    await part.up();
    const text = await part.logs(v.service);
    return { checks: matchText(`${v.service ?? 'the service'}'s log`, text, v), summary: `${text.split('\n').length} log lines` };
  },
  hint: (v) => `${v.service ?? 'the service'} must print what the assignment asks to its log (stdout or stderr)`,
  example: { value: { service: 'app', contains: 'listening on 8000' }, points: 1, hint: 'the app logs the port it listens on' },
};
