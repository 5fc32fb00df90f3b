// GitHub Actions: a run's report appended to the job summary (GITHUB_STEP_SUMMARY), and a lost
// check as an annotation (a workflow command on stdout), on a file and line where one is known.
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { Results } from '../types/results.js';
import { toMarkdown } from '../report/markdown.js';
import { setting } from '../core/settings.js';

export interface Annotation {
  title: string;
  message: string;
  /** a path inside the workspace, and its line */
  file?: string;
  line?: number;
}

const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** One `::error …::…` line (GitHub's workflow command syntax, its escapes). */
export function annotationLine(a: Annotation, level: 'error' | 'warning' = 'error'): string {
  const props = [a.file ? `file=${prop(a.file)}` : '', a.file && a.line ? `line=${a.line}` : '', `title=${prop(a.title)}`]
    .filter(Boolean).join(',');
  return `::${level} ${props}::${data(a.message)}`;
}

/** The workspace-relative path GitHub annotates (the file must lie inside the workspace). */
export function workspacePath(abs: string, workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()): string | undefined {
  const rel = path.relative(workspace, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : undefined;
}

/** A run's failed claims: each an annotation without a file (a claim is the host's, not a file's). */
export function claimAnnotations(r: Results): Annotation[] {
  return r.claims.filter((c) => c.verdict === 'fail')
    .map((c) => ({ title: `isolab ${c.id}`, message: (c.reason ?? 'failed').split('\n').slice(0, 5).join('\n') }));
}

/**
 * Inside GitHub Actions: the report in the job summary, the annotations printed. Elsewhere nothing;
 * nor from a run started inside another (a test's own run, a batch's grade): the outer one speaks.
 */
export async function toGithub(r: Results, annotations: Annotation[], out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const outer = setting('outerRun');
  if (outer && outer !== r.run.id) return;
  if (process.env.GITHUB_ACTIONS === 'true') for (const a of annotations) out.write(`${annotationLine(a)}\n`);
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (summary) await appendFile(summary, `${toMarkdown(r)}\n`).catch((e: Error) =>
    process.stderr.write(`isolab: the job summary was not written (${summary}: ${e.message})\n`));
}
