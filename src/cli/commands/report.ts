// `isolab report [results.json…]`: none — re-render reports/latest; one — re-render it;
// several — merge them into a claim × host compatibility matrix.
import { mkdir, writeFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { readResults } from '../../results/write.js';
import { reportsRoot, runFolder } from '../../core/paths.js';
import { toMarkdown } from '../../report/markdown.js';
import { toHtml } from '../../report/html.js';
import { buildMatrix, matrixMarkdown, matrixHtml } from '../../report/matrix.js';

export async function reportCommand(files: string[], o: { out?: string }): Promise<number> {
  try {
    if (files.length <= 1) {
      const file = files[0] ?? path.join(reportsRoot(), 'latest', 'results.json');
      const r = await readResults(file);
      const dir = path.dirname(await realpath(file));
      await writeFile(path.join(dir, 'report.md'), toMarkdown(r));
      await writeFile(path.join(dir, 'report.html'), await toHtml(r));
      process.stdout.write(`isolab report: wrote ${path.relative(process.cwd(), dir)}/report.md and report.html\n`);
      return 0;
    }
    const all = await Promise.all(files.map(readResults));
    const m = buildMatrix(all);
    const dir = o.out ?? runFolder('matrix');
    await mkdir(dir, { recursive: true });
    const md = matrixMarkdown(m);
    await writeFile(path.join(dir, 'matrix.md'), md);
    await writeFile(path.join(dir, 'matrix.html'), matrixHtml(m));
    await writeFile(path.join(dir, 'matrix.json'), JSON.stringify(m, null, 2) + '\n');
    process.stdout.write(md + `\nisolab report: wrote ${path.relative(process.cwd(), dir)}/matrix.md, matrix.html, matrix.json\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`isolab report: ${(e as Error).message}\n`);
    return 1;
  }
}
