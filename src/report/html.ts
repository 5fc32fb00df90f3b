// report.html — filled in by the report module; a plain page until then.
import type { Results } from '../results/schema.js';
import { toMarkdown } from './markdown.js';

export async function toHtml(r: Results, _dir: string): Promise<string> {
  const esc = (s: string) => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  return `<!doctype html><meta charset="utf-8"><title>isolab ${r.run.id}</title><pre>${esc(toMarkdown(r))}</pre>`;
}
