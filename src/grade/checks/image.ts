// `image`: what the part's image is — its size, the user it runs as, the ports it exposes, its
// entrypoint, command, working directory, environment and labels, the base of its final stage,
// a file inside it. Read from the engine and the image's own files, never by running it.
import type { Schema } from '../../core/data-file.js';
import { SERVICE_NAME, type CheckKind, type SubCheck, type BuiltImage } from './kind.js';
import { matchText, TEXT_MATCH_SCHEMA, type TextMatch } from './match.js';

export interface ImageCheck {
  /** a compose part's service whose image this is */
  service?: string;
  maxMb?: number;
  /** "non-root", or a user name or uid */
  user?: string;
  exposes?: number[];
  /** the final stage's base: "scratch", or an image name */
  from?: string;
  entrypoint?: string[];
  cmd?: string[];
  workdir?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  file?: TextMatch & { path: string; exists?: boolean; mode?: string };
}

const strings: Schema = { type: 'array', items: { type: 'string' } };

/** The base of a Dockerfile's last stage (`FROM [--platform=…] image [AS name]`), lower-cased. */
export function finalBase(dockerfile: string): string | null {
  const froms = dockerfile.split(/\r?\n/).map((l) => /^\s*FROM\s+(?:--\S+\s+)*(\S+)/i.exec(l)?.[1]).filter(Boolean) as string[];
  return froms.length ? froms[froms.length - 1]!.toLowerCase() : null;
}

/** Is this user root, reading the image's /etc/passwd for a name? "" (no USER) is root. */
export function isRoot(user: string, passwd: string | null): boolean {
  const name = user.split(':')[0]!;
  if (name === '' || name === '0' || name === 'root') return true;
  if (/^\d+$/.test(name)) return false;
  const line = passwd?.split('\n').find((l) => l.split(':')[0] === name);
  return line ? line.split(':')[2] === '0' : false;
}

const mb = (b: number) => Math.round((b / 1e6) * 10) / 10;

export const image: CheckKind<ImageCheck> = {
  name: 'image',
  describe: 'the image: size ≤ N MB, its user (non-root), exposed ports, entrypoint/cmd, workdir, env, labels, final base, a file in it',
  phase: 'image',
  schema: { type: 'object', additionalProperties: false, properties: {
    service: { type: 'string', pattern: SERVICE_NAME, description: 'a compose part: the service whose image' },
    maxMb: { type: 'number', exclusiveMinimum: 0, description: 'at most this many MB (10^6 bytes)' },
    user: { type: 'string', minLength: 1, description: '"non-root", or the user (name or uid) it must run as' },
    exposes: { type: 'array', minItems: 1, items: { type: 'integer', minimum: 1, maximum: 65535 }, description: 'ports it EXPOSEs' },
    from: { type: 'string', minLength: 1, description: 'the final stage\'s base ("scratch" for a binary alone)' },
    entrypoint: { ...strings, description: 'its ENTRYPOINT, exec form' },
    cmd: { ...strings, description: 'its CMD, exec form' },
    workdir: { type: 'string', minLength: 1 },
    env: { type: 'object', additionalProperties: { type: 'string' }, description: 'environment it sets' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    file: { type: 'object', additionalProperties: false, required: ['path'], properties: {
      path: { type: 'string', pattern: '^/', description: 'absolute path in the image' },
      exists: { type: 'boolean' }, mode: { type: 'string', pattern: '^0?[0-7]{3,4}$', description: 'octal, e.g. "0755"' },
      ...TEXT_MATCH_SCHEMA } } } },
  title: (v) => [v.maxMb && `≤ ${v.maxMb} MB`, v.user && (v.user === 'non-root' ? 'runs as non-root' : `runs as ${v.user}`),
    v.exposes && `exposes ${v.exposes.join(', ')}`, v.from && `final stage FROM ${v.from}`, v.entrypoint && 'entrypoint', v.cmd && 'cmd',
    v.workdir && `workdir ${v.workdir}`, v.env && 'env', v.labels && 'labels', v.file && `${v.file.path} in it`,
  ].filter(Boolean).join(', ') || 'builds',
  async run(v, part) {
    const img: BuiltImage = await part.image(v.service);
    const checks: SubCheck[] = [];
    if (v.maxMb !== undefined)
      checks.push({ what: `at most ${v.maxMb} MB`, ok: img.sizeBytes <= v.maxMb * 1e6, expected: `≤ ${v.maxMb} MB`, actual: `${mb(img.sizeBytes)} MB` });
    if (v.user !== undefined) {
      const passwd = v.user === 'non-root' ? (await part.imageFile('/etc/passwd', v.service))?.text ?? null : null;
      checks.push(v.user === 'non-root'
        ? { what: 'runs as a user other than root', ok: !isRoot(img.user, passwd), expected: 'USER not root', actual: img.user || '(no USER: root)' }
        : { what: `runs as ${v.user}`, ok: img.user === v.user, expected: v.user, actual: img.user || '(no USER: root)' });
    }
    for (const p of v.exposes ?? [])
      checks.push({ what: `EXPOSE ${p}`, ok: img.exposed.some((e) => e === `${p}/tcp` || e === String(p)), expected: p, actual: img.exposed });
    if (v.from !== undefined) {
      const base = img.dockerfile === null ? null : finalBase(img.dockerfile);
      checks.push({ what: `final stage FROM ${v.from}`, ok: base === v.from.toLowerCase(), expected: v.from, actual: base ?? '(no Dockerfile)' });
    }
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (v.entrypoint) checks.push({ what: 'ENTRYPOINT', ok: same(img.entrypoint, v.entrypoint), expected: v.entrypoint, actual: img.entrypoint });
    if (v.cmd) checks.push({ what: 'CMD', ok: same(img.cmd, v.cmd), expected: v.cmd, actual: img.cmd });
    if (v.workdir) checks.push({ what: `WORKDIR ${v.workdir}`, ok: img.workdir === v.workdir, expected: v.workdir, actual: img.workdir || '/' });
    for (const [k, val] of Object.entries(v.env ?? {}))
      checks.push({ what: `ENV ${k}=${val}`, ok: img.env[k] === val, expected: val, actual: img.env[k] ?? '(unset)' });
    for (const [k, val] of Object.entries(v.labels ?? {}))
      checks.push({ what: `LABEL ${k}=${val}`, ok: img.labels[k] === val, expected: val, actual: img.labels[k] ?? '(none)' });
    if (v.file) {
      const f = await part.imageFile(v.file.path, v.service);
      const want = v.file.exists ?? true;
      checks.push({ what: `${v.file.path} ${want ? 'is' : 'is not'} in the image`, ok: !!f === want, expected: want ? 'there' : 'absent',
        actual: f ? f.type : 'absent' });
      if (f && want && v.file.mode)
        checks.push({ what: `${v.file.path} mode ${v.file.mode}`, ok: (f.mode & 0o7777) === parseInt(v.file.mode, 8),
          expected: v.file.mode, actual: `0${(f.mode & 0o7777).toString(8)}` });
      if (f && want) checks.push(...matchText(v.file.path, f.text, v.file));
    }
    if (!checks.length) checks.push({ what: 'the image builds', ok: true, actual: `${mb(img.sizeBytes)} MB` });
    return { checks, summary: `${mb(img.sizeBytes)} MB, user ${img.user || 'root'}, exposes ${img.exposed.join(' ') || 'nothing'}`,
      evidence: { image: { sizeMb: mb(img.sizeBytes), user: img.user, exposed: img.exposed, entrypoint: img.entrypoint, cmd: img.cmd } } };
  },
  hint: (v) => [v.maxMb && `keep the image under ${v.maxMb} MB (a multi-stage build copies only what runs)`,
    v.user && 'add a USER that is not root', v.exposes && `EXPOSE ${v.exposes.join(' ')}`, v.from && `end the Dockerfile with a FROM ${v.from} stage`]
    .filter(Boolean).join('; ') || 'the image does not have what the assignment asks',
  example: { value: { maxMb: 20, user: 'non-root', exposes: [8080], from: 'scratch' }, points: 3,
    hint: 'a final stage FROM scratch with the binary alone, a USER, and EXPOSE 8080' },
};
