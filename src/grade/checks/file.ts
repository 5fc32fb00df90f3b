// `file`: a file of the part is there (or is not), and what it says.
import type { CheckKind, SubCheck } from './kind.js';
import { matchText, badRegex, TEXT_MATCH_SCHEMA, type TextMatch } from './match.js';

export interface FileCheck extends TextMatch {
  path: string;
  /** false: the file must not be there (a committed .env, a node_modules folder) */
  exists?: boolean;
}

export const file: CheckKind<FileCheck> = {
  name: 'file',
  describe: 'a file of the part is there (or not), and its text contains, excludes, equals or matches',
  phase: 'files',
  schema: { type: 'object', additionalProperties: false, required: ['path'], properties: {
    path: { type: 'string', minLength: 1, pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$)).+$', description: 'inside the part\'s folder' },
    exists: { type: 'boolean', description: 'false: it must not be there' }, ...TEXT_MATCH_SCHEMA } },
  validate: (v) => (v.matches && badRegex(v.matches) ? [`matches: ${badRegex(v.matches)}`] : []),
  title: (v) => (v.exists === false ? `no ${v.path}` : `${v.path}${v.contains || v.matches || v.equals ? ' says what it should' : ' is there'}`),
  async run(v, part) {
    const text = await part.file(v.path);
    const there = text !== null;
    const want = v.exists ?? true;
    const checks: SubCheck[] = [{ what: want ? `${v.path} is there` : `${v.path} is not there`, ok: there === want,
      expected: want ? 'a file' : 'no file', actual: there ? 'a file' : 'none (or not a regular file)' }];
    if (want && there) checks.push(...matchText(v.path, text, v));
    return { checks, summary: `${v.path}: ${there ? `${text.length} bytes` : 'not there'}` };
  },
  hint: (v) => (v.exists === false ? `remove ${v.path} from the submission` : `add ${v.path} as the assignment describes`),
  example: { value: { path: 'README.md', contains: 'docker compose up' }, points: 1,
    hint: 'say in README.md how to start it' },
};
