// Writing a run's folder: reports/<run>/results.json, junit.xml, ctrf.json, report.md,
// report.html, and pointing reports/latest at it.
import { mkdir, writeFile, rm, symlink, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SCHEMA, READABLE_SCHEMAS, type Results } from '../types/results.js';
import { toJunit } from './junit.js';
import { toCtrf } from './ctrf.js';
import { toMarkdown } from '../report/markdown.js';
import { toHtml } from '../report/html.js';

export async function writeRun(dir: string, r: Results): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'results.json'), JSON.stringify(r, null, 2) + '\n');
  await writeFile(path.join(dir, 'junit.xml'), toJunit(r));
  await writeFile(path.join(dir, 'ctrf.json'), JSON.stringify(toCtrf(r), null, 2) + '\n');
  await writeFile(path.join(dir, 'report.md'), toMarkdown(r));
  await writeFile(path.join(dir, 'report.html'), await toHtml(r));
  const latest = path.join(path.dirname(dir), 'latest');
  await rm(latest, { force: true });
  await symlink(path.basename(dir), latest);
}

export async function readResults(file: string): Promise<Results> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code}; pass a results.json written by isolab run`);
  }
  let r: Results;
  try {
    r = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not JSON: ${(e as Error).message}`);
  }
  if (!READABLE_SCHEMAS.includes(r?.schema)) throw new Error(`${file}: schema is "${r?.schema}", expected "${SCHEMA}" (or @2, @1)`);
  return r;
}
