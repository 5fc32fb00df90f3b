// `run`: the image run once — its own CMD, or arguments, environment and standard input given —
// and what it prints and how it exits. Contained: no network, the assignment's limits, bounded.
import type { Schema } from '../../core/data-file.js';
import type { CheckKind, SubCheck } from './kind.js';
import { matchText, TEXT_MATCH_SCHEMA, type TextMatch } from './match.js';

export interface RunCheck {
  args?: string[];
  env?: Record<string, string>;
  stdin?: string;
  stdout?: TextMatch;
  stderr?: TextMatch;
  exitCode?: number;
  /** at most this long (s); the assignment's limits.upSeconds otherwise */
  within?: number;
}

const text: Schema = { type: 'object', additionalProperties: false, properties: TEXT_MATCH_SCHEMA };

export const runImage: CheckKind<RunCheck> = {
  name: 'run',
  describe: 'the image run once (its CMD, or args/env/stdin): stdout, stderr and the exit code',
  phase: 'image',
  schema: { type: 'object', additionalProperties: false, properties: {
    args: { type: 'array', items: { type: 'string' }, description: 'arguments after the image (replace its CMD)' },
    env: { type: 'object', additionalProperties: { type: 'string' } },
    stdin: { type: 'string' },
    stdout: { ...text, description: 'what its output must say' },
    stderr: { ...text, description: 'what its error output must say' },
    exitCode: { type: 'integer', minimum: 0, maximum: 255 },
    within: { type: 'integer', minimum: 1, maximum: 600, description: 'seconds before it is stopped' } } },
  title: (v) => `${v.args?.length ? `run ${v.args.join(' ')}` : 'run its CMD'}${v.exitCode !== undefined ? ` → exit ${v.exitCode}` : ''}`,
  async run(v, part) {
    const r = await part.runOnce({ args: v.args, env: v.env, stdin: v.stdin, timeoutS: v.within ?? 0 });
    const checks: SubCheck[] = [];
    if (r.timedOut) checks.push({ what: 'ends within its time', ok: false, expected: 'exit', actual: 'still running: stopped' });
    if (v.exitCode !== undefined) checks.push({ what: `exits ${v.exitCode}`, ok: r.exitCode === v.exitCode, expected: v.exitCode, actual: r.exitCode });
    if (v.stdout) checks.push(...matchText('stdout', r.stdout, v.stdout));
    if (v.stderr) checks.push(...matchText('stderr', r.stderr, v.stderr));
    if (!checks.length) checks.push({ what: 'exits 0', ok: r.exitCode === 0, expected: 0, actual: r.exitCode });
    return { checks, summary: `exit ${r.exitCode ?? 'none'}, printed ${JSON.stringify(r.stdout.trim().slice(0, 80))}`,
      evidence: { stdout: r.stdout.slice(0, 2000), stderr: r.stderr.slice(0, 2000), exitCode: r.exitCode } };
  },
  hint: (v) => (v.stdout ? 'running the image must print what the assignment asks' : 'the image must run and exit as asked'),
  example: { value: { args: ['--version'], stdout: { matches: '^v?\\d+\\.\\d+' }, exitCode: 0 }, points: 1,
    hint: 'the image\'s program prints its version with --version' },
};
