// HTTP as a grader's probe speaks it: one request written by hand (HTTP/1.0, so no server
// chunks its answer and every answer ends by closing), sent from a container of the grader's on
// the project's own network, and the raw answer parsed here. The probe never runs inside the
// student's image (which may have no shell) and never reaches the host's ports.
export interface HttpRequest {
  service?: string;
  port?: number;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpAnswer {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
}

/** The bytes of a request: method, path, Host, the author's headers, a body with its length. */
export function requestText(r: HttpRequest, host: string): string {
  const body = r.body ?? '';
  const headers: Record<string, string> = { Host: host, Connection: 'close', 'User-Agent': 'isolab-grader',
    ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
    ...(r.headers ?? {}) };
  return `${(r.method ?? 'GET').toUpperCase()} ${r.path} HTTP/1.0\r\n`
    + Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + `\r\n${body}`;
}

/** An answer's status line, headers (lower-cased names) and body; null when it is no HTTP. */
export function parseAnswer(raw: string): HttpAnswer | null {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const [statusLine = '', ...lines] = head.split(/\r?\n/);
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: (.*))?$/.exec(statusLine.trim());
  if (!m) return null;
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(m[1]), reason: m[2] ?? '', headers, body };
}
