// A value in one line of a message, for a reader.

/** One short line: a failure message names what was seen, not a page of repeated output. */
export function brief(v: unknown, max = 200): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  const lines = [...new Set(s.split('\n').map((l) => l.trim()).filter(Boolean))];
  const last = lines[lines.length - 1] ?? '';
  const shown = typeof v === 'string' ? JSON.stringify(last.length > max ? `${last.slice(0, max)}…` : last)
    : last.length > max ? `${last.slice(0, max)}…` : last;
  return lines.length > 1 ? `${shown} (+${lines.length - 1} more lines)` : shown;
}
