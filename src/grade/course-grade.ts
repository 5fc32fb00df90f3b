// Grading a submission against a course's assignment in the vocabulary (src/grade/course.ts):
// read as untrusted input first (src/grade/untrusted.ts; a refused part costs its checks, with
// file, line and reason), then part by part — a private copy of its folder, its image or compose
// project brought up contained (src/grade/service/runtime.ts), its checks run in phase order —
// in one run session: everything made is undone after each part and the leak check judges the host.
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { emptyRequest } from '../run/request.js';
import path from 'node:path';
import { openSession, closeSession, leakLines } from '../run/session.js';
import { Ledger } from '../core/ledger.js';
import { scratchDir } from '../core/fs.js';
import { engineAnswers } from '../core/faults.js';
import { probeEngine } from '../host/probe.js';
import { runId } from '../core/names.js';
import { runFolder } from '../core/paths.js';
import { setting, setSetting } from '../core/settings.js';
import { writeRun } from '../results/write.js';
import { summarize, SCHEMA, type ClaimResult, type Results, type Verdict } from '../types/results.js';
import { PHASES, PartFailure, HostFailure, type Outcome } from './checks/kind.js';
import { partRuntime, PROBE_IMAGE } from './service/runtime.js';
import { gradeScriptPart } from './script/grade-script.js';
import { docker } from '../docker/cli.js';
import { inspectParts, describe, STRIPPED_WHY, type Finding } from './untrusted.js';
import { score, type Rubric } from './rubric.js';
import { workspacePath, type Annotation } from '../results/github.js';
import { lectureShape, type CourseAssignment, type CoursePart, type DeclaredCheck } from './course.js';
import type { Grade } from '../types/grade.js';
import type { Graded } from './graded.js';

/** The rubric a course's assignment carries in its checks. */
export const courseRubric = (a: CourseAssignment): Rubric => ({ name: a.name,
  checks: a.parts.flatMap((p) => p.checks.map((c) => ({ check: c.id, points: c.points, hint: c.hint, partial: c.partial }))) });

const result = (c: DeclaredCheck, part: CoursePart, verdict: Verdict, o: { reason?: string; outcome?: Outcome;
  evidence?: Record<string, unknown>; ms: number }): ClaimResult => ({
  id: c.id, suite: part.name, statement: c.title, verdict, ...(o.reason ? { reason: o.reason } : {}),
  evidence: { summary: o.outcome?.summary ?? o.reason ?? '', ...(o.outcome?.evidence ?? {}), ...(o.evidence ?? {}) },
  ...(o.outcome ? { checks: o.outcome.checks.map((x) => ({ ok: x.ok, what: x.what, expected: x.expected, actual: x.actual })) } : {}),
  durationMs: Math.round(o.ms),
});

/** One part's checks, in phase order (files, image, service, restart, stop), reported in the author's order. */
async function gradePart(a: CourseAssignment, part: CoursePart, sub: string, engine: Awaited<ReturnType<typeof probeEngine>>,
  contained: string[], standIns: string[]): Promise<ClaimResult[]> {
  const ledger = new Ledger(`grade ${part.name}`);
  const out = new Map<string, ClaimResult>();
  try {
    const original = path.join(sub, part.dir);
    const dir = await scratchDir(ledger, part.name, { sizeMb: 160 });
    // Without root, what the student's containers wrote there as root is removed by a container too.
    if (process.getuid?.() !== 0) ledger.add('other', `${dir} (files the containers wrote)`, () => docker(['run', '--rm', '--network', 'none',
      '-v', `${dir}:/w`, PROBE_IMAGE, 'sh', '-c', 'rm -rf /w/* /w/.[!.]* 2>/dev/null; true'], { check: false, timeoutMs: 30_000 }));
    await cp(original, dir, { recursive: true, verbatimSymlinks: true });
    const rt = partRuntime({ ledger, part, dir, original, limits: a.limits, buildNetwork: a.build,
      builder: engine.builder === 'buildkit' ? 'buildkit' : 'legacy', compose: engine.compose });
    const order = [...part.checks].filter((c) => !c.kind.inKernel).sort((x, y) => PHASES.indexOf(x.kind.phase) - PHASES.indexOf(y.kind.phase));
    for (const c of order) {
      const t0 = performance.now();
      const ms = () => performance.now() - t0;
      try {
        const outcome = await c.kind.run(c.value as never, rt);
        const ok = outcome.checks.every((x) => x.ok);
        const lost = outcome.checks.filter((x) => !x.ok).map((x) => `${x.what}: got ${JSON.stringify(x.actual)}`);
        out.set(c.id, result(c, part, ok ? 'pass' : 'fail', { outcome, ms: ms(), ...(ok ? {} : { reason: lost.join('; ') }) }));
      } catch (e) {
        if (e instanceof PartFailure) out.set(c.id, result(c, part, 'fail', { reason: e.message, evidence: e.evidence, ms: ms() }));
        else if (e instanceof HostFailure) out.set(c.id, result(c, part, 'error', { reason: e.message, ms: ms() }));
        else if (!(await engineAnswers())) out.set(c.id, result(c, part, 'error', { reason: 'the container engine stopped answering', ms: ms() }));
        else out.set(c.id, result(c, part, 'error', { reason: `the grader failed: ${(e as Error).message.split('\n')[0]}`, ms: ms() }));
      }
    }
    for (const x of rt.standIns) standIns.push(`${part.name}: ${x}`);
    for (const x of rt.contained) contained.push(`${part.name}: ${x} ${STRIPPED_WHY[x.split('.').pop()!] ?? 'removed: it reaches beyond the project'}`);
    await rt.close();
    // A script part's checks run in its throwaway kernel, all in one boot.
    if (part.script) for (const r of await gradeScriptPart(ledger, part, sub, (c, v, o) => result(c, part, v, o))) out.set(r.id, r);
  } finally {
    await ledger.close();
  }
  return part.checks.map((c) => out.get(c.id)!).filter(Boolean);
}

export async function gradeCourse(dir: string, sub: string, a: CourseAssignment): Promise<Graded> {
  const present = await Promise.all(a.parts.map((p) => stat(path.join(sub, p.dir)).then((s) => s.isDirectory(), () => false)));
  if (!present.some(Boolean)) return { code: 2, error: `${dir} has none of the assignment's folders `
    + `(${[...new Set(a.parts.map((p) => p.dir))].join(', ')}); see ${path.relative(process.cwd(), a.file)}` };
  // Compose is asked for only where a part needs it (its CLI takes most of a second to answer);
  // the host's state is read for the leak check meanwhile.
  const opening = openSession('grade');
  opening.catch(() => undefined);
  const engine = await probeEngine({ compose: a.parts.some((p) => p.compose) });
  // Script parts run in a VM of their own: only images, compose projects and the lecture's parts need the engine.
  const needsEngine = a.parts.some((p) => p.image || p.compose || p.lecture);
  if (!engine.docker && needsEngine) await (await opening).ledger.close();
  if (!engine.docker && needsEngine) return { code: 3, error: `no container engine answers here (${engine.dockerReason ?? 'docker info failed'}): `
    + 'nothing was graded — run `isolab provision` or start the engine, then grade again' };
  if (!setting('runDir')) setSetting('runDir', runFolder(runId(), 'grade'));
  const runDir = setting('runDir')!;
  const startedAt = new Date().toISOString();
  const session = await opening;
  const findings = await inspectParts(sub, {
    dirs: a.parts.map((p) => ({ name: p.name, dir: p.dir })),
    dockerfiles: [...a.parts.filter((p) => p.image).map((p) => path.join(p.dir, p.image!.dockerfile ?? 'Dockerfile')),
      ...a.parts.filter((p) => p.lecture && p.lecture.part !== 'compose').map((p) => path.join(p.dir, 'Dockerfile'))],
    composeFiles: [...a.parts.filter((p) => p.compose).map((p) => ({ part: p.name, file: path.join(p.dir, p.compose!.file ?? 'docker-compose.yml') })),
      ...a.parts.filter((p) => p.lecture?.part === 'compose').map((p) => ({ part: p.name,
        file: path.join(p.dir, String(p.lecture!.file ?? 'docker-compose.yml')) }))],
    declared: a.parts.map((p) => p.name),
  });
  const refused = new Map<string, string>();
  const claims: ClaimResult[] = [];
  const contained: string[] = [];
  const standIns: string[] = [];
  let closed: Awaited<ReturnType<typeof closeSession>> | undefined;
  try {
    // The lecture-shaped parts' claims run first, together, as the suites run them.
    const lectureParts = a.parts.filter((p, i) => p.lecture && present[i] && !findings.some((f) => f.parts.includes(p.name)));
    const fromClaims = lectureParts.length ? await gradeLectureParts(a, lectureParts, sub, runDir) : new Map<string, ClaimResult>();
    for (const [i, part] of a.parts.entries()) {
      const mine = findings.filter((f) => f.parts.includes(part.name));
      if (mine.length) {
        const why = `refused before running (the submission reaches for the grader's host): ${mine.map(describe).join('; ')}`;
        for (const c of part.checks) {
          refused.set(c.id, why);
          claims.push(result(c, part, 'fail', { reason: why, evidence: { refused: mine.map(describe) }, ms: 0 }));
        }
      } else if (!present[i]) {
        for (const c of part.checks) claims.push(result(c, part, 'fail', { reason: `${part.dir}/ is not in the submission`, ms: 0 }));
      } else if (part.lecture) {
        for (const c of part.checks) claims.push(fromClaims.get(c.id) ?? result(c, part, 'error', { reason: 'its claim wrote no result', ms: 0 }));
      } else claims.push(...await gradePart(a, part, sub, engine, contained, standIns));
    }
  } finally {
    closed = await closeSession(session);
  }
  const rubric = courseRubric(a);
  const s = score(rubric, claims, refused);
  for (const c of claims) {
    const item = s.items.find((i) => i.check === c.id);
    if (item) c.points = { earned: item.earned, possible: item.verdict === 'skip' ? 0 : item.points };
  }
  const errors = s.items.filter((i) => i.verdict === 'error');
  const incomplete = errors.map((i) => `${i.check}: ${i.why}`);
  // Every check skipped (no VM can boot here, say): 0/0 is not a grade.
  if (!incomplete.length && s.items.length && s.items.every((i) => i.verdict === 'skip'))
    incomplete.push(`no check could run on this grading host: ${s.items[0]!.why}`);
  const results: Results = { schema: SCHEMA, run: { id: runId(), startedAt, finishedAt: new Date().toISOString(), argv: process.argv.slice(1) },
    host: { builder: engine.builder, compose: engine.compose?.flavour ?? null }, claims, summary: summarize(claims),
    ...(closed?.check ? { leaks: closed.check.leaks.map((l) => ({ kind: l.kind, item: l.item, change: l.change })),
      ...(closed.check.notOurs.length ? { notLeaks: closed.check.notOurs.map((l) => ({ kind: l.kind, item: l.item, change: l.change, not: l.not })) } : {}) }
      : {}) };
  // What the leak check saw, as a run of the suites says it (stderr: stdout may be the grade's JSON).
  if (closed?.check) for (const l of leakLines(closed.check)) process.stderr.write(`${l}\n`);
  const grade: Grade = { rubric: a.name, assignment: a.name, parts: a.parts.map((p) => p.name), submission: dir, score: s.earned,
    possible: s.possible, items: s.items, ...(findings.length ? { refused: findings.map(describe) } : {}),
    ...(incomplete.length ? { incomplete } : {}), ...(contained.length ? { contained } : {}), ...(standIns.length ? { standIns } : {}) };
  results.grade = grade as unknown as Record<string, unknown>;
  await writeRun(runDir, results);
  return { grade, results, runDir, title: a.name, findings, contained, standIns, items: s.items, incomplete, annotations: courseAnnotations(s.items, a, sub, findings) };
}

/**
 * The lecture-shaped parts' claim checks, run as a run of the suites (the lecture's grading path):
 * the parts written as an assignment of the lecture's shape, the claims run once, each result
 * taken as its check's (a claim's scenario where the check names one).
 */
async function gradeLectureParts(a: CourseAssignment, parts: CoursePart[], sub: string, runDir: string): Promise<Map<string, ClaimResult>> {
  const shape = lectureShape({ ...a, parts })!;
  const file = path.join(runDir, 'lecture-parts.assignment.json');
  await mkdir(runDir, { recursive: true });
  await writeFile(file, JSON.stringify({ name: shape.name, limits: shape.limits,
    ...Object.fromEntries(shape.declared.map((p) => [p, shape[p]])) }, null, 2));
  setSetting('submission', sub);
  setSetting('assignment', file);
  if (!setting('composeTimeoutMs')) setSetting('composeTimeoutMs', String(a.limits.upSeconds * 1000));
  const checks = parts.flatMap((p) => p.checks.map((c) => ({ c, p })));
  const { runSuites } = await import('../run/suites.js');
  await runSuites({ ...emptyRequest(), claims: [...new Set(checks.map(({ c }) => String(c.value)))] }, { quiet: true });
  const ran = JSON.parse(await readFile(path.join(runDir, 'results.json'), 'utf8').catch(() => '{"claims":[]}')) as Results;
  const out = new Map<string, ClaimResult>();
  for (const { c, p } of checks) {
    const [id, scenario] = String(c.value).split(' › ');
    const cl = ran.claims.find((x) => x.id === id);
    const t = scenario ? cl?.scenarios?.find((x) => x.name === scenario) : cl;
    if (!cl || !t) continue;
    out.set(c.id, { id: c.id, suite: p.name, statement: `${c.value}: ${cl.statement}`, verdict: t.verdict, ...(t.reason ? { reason: t.reason } : {}),
      evidence: t.evidence ?? {}, checks: t.checks ?? (!scenario ? cl.scenarios?.flatMap((x) => x.checks ?? []) : undefined), durationMs: t.durationMs });
  }
  return out;
}

/** Each lost check on the file it is about: a refusal's own file and line, else the part's Dockerfile or compose file. */
function courseAnnotations(items: Grade['items'], a: CourseAssignment, sub: string, findings: Finding[]): Annotation[] {
  return items.filter((i) => i.earned < i.points && i.verdict !== 'skip' && i.verdict !== 'error').map((i) => {
    const part = a.parts.find((p) => i.check.startsWith(`${p.name}.`))!;
    const refusal = i.verdict === 'refused' ? findings.find((f) => f.parts.includes(part.name)) : undefined;
    const file = refusal?.file ?? path.join(part.dir, part.compose ? part.compose.file ?? 'docker-compose.yml' : part.image?.dockerfile ?? 'Dockerfile');
    return { title: `${i.check}: ${i.earned}/${i.points}`, message: [i.hint && `hint: ${i.hint}`, i.why?.split('\n')[0]].filter(Boolean).join('\n') || 'lost its points',
      file: workspacePath(path.resolve(sub, file)), ...(refusal?.line ? { line: refusal.line } : {}) };
  });
}
