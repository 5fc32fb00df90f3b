// junit.xml from results: one testsuite per suite, one testcase per claim (skips carry reasons).
import type { Results } from '../types/results.js';

const esc = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
    // XML 1.0 forbids most control characters; evidence can carry them from command output.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function toJunit(r: Results): string {
  const suites = [...new Set(r.claims.map((c) => c.suite))];
  const body = suites.map((s) => {
    const cs = r.claims.filter((c) => c.suite === s);
    const t = cs.reduce((a, c) => a + c.durationMs, 0) / 1000;
    const cases = cs.map((c) => {
      const props = c.points ? `<properties><property name="points" value="${c.points.earned}/${c.points.possible}"/></properties>` : '';
      const inner =
        c.verdict === 'fail' ? `<failure message="${esc(c.reason ?? 'failed')}">${esc(JSON.stringify(c.evidence, null, 2))}</failure>`
        : c.verdict === 'skip' ? `<skipped message="${esc(c.reason ?? 'skipped')}"/>`
        // JUnit's own word for a test that could not run to a verdict
        : c.verdict === 'error' ? `<error message="${esc(c.reason ?? 'error')}" type="infrastructure"/>`
        : '';
      return `    <testcase classname="${esc(s)}" name="${esc(c.id)}" `
        + `time="${(c.durationMs / 1000).toFixed(3)}">${props}${inner}<system-out>${esc(c.statement)}</system-out></testcase>`;
    });
    return `  <testsuite name="${esc(s)}" tests="${cs.length}" `
      + `failures="${cs.filter((c) => c.verdict === 'fail').length}" `
      + `errors="${cs.filter((c) => c.verdict === 'error').length}" `
      + `skipped="${cs.filter((c) => c.verdict === 'skip').length}" time="${t.toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const leaks = r.leaks?.length
    ? `\n  <testsuite name="leak-check" tests="1" failures="1"><testcase classname="leak-check" name="nothing left `
      + `behind"><failure message="${r.leaks.length} `
      + `leaks">${esc(r.leaks.map((l) => `${l.change} ${l.kind}: ${l.item}`).join('\n'))}</failure></testcase></testsuite>`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="isolab" tests="${r.claims.length}" `
    + `failures="${r.summary.failed}" errors="${r.summary.errored ?? 0}" `
    + `skipped="${r.summary.skipped}">\n${body.join('\n')}${leaks}\n</testsuites>\n`;
}
