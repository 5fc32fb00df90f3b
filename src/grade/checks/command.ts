// `command`: a command run in the part's kernel after the setup (the student's tool with
// arguments, an `ip` query): its output and exit code.
import type { CheckKind, SubCheck } from './kind.js';
import { PartFailure } from './kind.js';
import { matchText, TEXT_MATCH_SCHEMA, type TextMatch } from './match.js';
import type { Schema } from '../../core/data-file.js';

export interface CommandCheck {
  run: string;
  stdout?: TextMatch;
  exitCode?: number;
  after?: string;
}

const text: Schema = { type: 'object', additionalProperties: false, properties: TEXT_MATCH_SCHEMA };

export const command: CheckKind<CommandCheck> = {
  name: 'command',
  describe: 'a script part: a command run as root in its kernel after the setup — its output and exit code',
  phase: 'kernel',
  schema: { type: 'object', additionalProperties: false, required: ['run'], properties: {
    run: { type: 'string', minLength: 1, description: 'a shell command, in the part\'s folder' },
    stdout: { ...text, description: 'what it prints (stdout and stderr)' },
    exitCode: { type: 'integer', minimum: 0, maximum: 255 },
    after: { type: 'string', minLength: 1, description: 'a command run first' } } },
  title: (v) => `\`${v.run.length > 60 ? `${v.run.slice(0, 57)}…` : v.run}\``,
  run: async () => { throw new PartFailure('command runs inside the part\'s kernel'); },
  inKernel: {
    command: (v) => `${v.after ? `${v.after} >/dev/null 2>&1; ` : ''}${v.run}`,
    judge: (v, r) => {
      const checks: SubCheck[] = [];
      if (v.exitCode !== undefined) checks.push({ what: `exits ${v.exitCode}`, ok: r.exitCode === v.exitCode, expected: v.exitCode, actual: r.exitCode });
      if (v.stdout) checks.push(...matchText('its output', r.stdout + r.stderr, v.stdout));
      if (!checks.length) checks.push({ what: 'exits 0', ok: r.exitCode === 0, expected: 0, actual: r.exitCode });
      return { checks, summary: `exit ${r.exitCode}: ${(r.stdout + r.stderr).trim().slice(0, 80)}` };
    },
  },
  hint: (v) => `\`${v.run}\` must do what the assignment asks`,
  example: { value: { run: 'ip -n ns1 route', stdout: { contains: 'default via 10.0.1.1' } }, points: 1, hint: 'ns1 routes through the router' },
};
