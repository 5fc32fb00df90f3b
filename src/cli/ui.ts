// Terminal output: colour only on a TTY and never with NO_COLOR (chalk honours both).
import chalk from 'chalk';

export const c = chalk;
export const ok = (s: string) => chalk.green(s);
export const bad = (s: string) => chalk.red(s);
export const dim = (s: string) => chalk.dim(s);
export const warn = (s: string) => chalk.yellow(s);

export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const visible = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => visible(r[i] ?? ''))));
  const line = (r: string[]) => r.map((cell, i) => cell + ' '.repeat(widths[i]! - visible(cell))).join('  ').trimEnd();
  const out = all.map(line);
  if (header) out.splice(1, 0, widths.map((w) => '─'.repeat(w)).join('  '));
  return out.join('\n');
}
