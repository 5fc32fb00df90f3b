// A kind of grading check: one module per kind (file.ts, http.ts, …), listed in registry.ts. A
// kind says what its value in an assignment looks like (a JSON Schema fragment), when it runs
// (its phase: files before images, images before services, a restart or a stop last), how it
// judges a part (sub-checks with expected and actual values) and what a student is told.
import type { Schema } from '../../core/data-file.js';
import type { HttpAnswer, HttpRequest } from '../service/http.js';

export interface SubCheck {
  what: string;
  ok: boolean;
  expected?: unknown;
  actual?: unknown;
}

export interface Outcome {
  checks: SubCheck[];
  /** what it saw, in one sentence */
  summary: string;
  evidence?: Record<string, unknown>;
}

/** Files only; an image built; services up; a restart of the project; a service stopped. */
export const PHASES = ['files', 'image', 'service', 'restart', 'stop', 'kernel'] as const;
export type Phase = (typeof PHASES)[number];

/** The student did not do what the part asks (an image that does not build, a service never ready): a fail with this reason. */
export class PartFailure extends Error {
  constructor(message: string, readonly evidence: Record<string, unknown> = {}) {
    super(message);
    this.name = 'PartFailure';
  }
}

/** The grading host failed the part (a registry that did not answer it): `error`, never the student's fault. */
export class HostFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostFailure';
  }
}

/** What the engine says of an image: its size and configuration. */
export interface BuiltImage {
  ref: string;
  sizeBytes: number;
  user: string;
  exposed: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  workdir: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** the Dockerfile it was built from, as the student wrote it */
  dockerfile: string | null;
}

/** A one-shot run of a part's image. */
export interface RunOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The part of a submission under test, as checks see it (src/grade/service/runtime.ts). */
export interface PartRuntime {
  /** the part's name, as the assignment gives it */
  name: string;
  /** a file of the part, read without following links; null when absent */
  file(rel: string): Promise<string | null>;
  /** the part's compose file as the student wrote it (null: no compose part, or no file) */
  composeText(): Promise<string | null>;
  /** the part's image (a compose part: the image of `service`), built within its bounds */
  image(service?: string): Promise<BuiltImage>;
  /** a file in the image, read without starting it (null: not there) */
  imageFile(path: string, service?: string): Promise<{ mode: number; type: 'file' | 'dir' | 'link' | 'other'; text: string } | null>;
  /** the image run once, contained, without network */
  runOnce(o: { args?: string[]; env?: Record<string, string>; stdin?: string; timeoutS: number }): Promise<RunOutcome>;
  /** the part's services up and ready */
  up(): Promise<void>;
  /** a request from the grader's probe on the project's network */
  http(r: HttpRequest): Promise<HttpAnswer | { error: string }>;
  tcp(service: string | undefined, port: number): Promise<{ open: boolean; said: string }>;
  logs(service?: string): Promise<string>;
  /** down and up again: keeping volumes and data folders, or (wipe) without them */
  restart(o: { wipe: boolean }): Promise<void>;
  /** SIGTERM to a service: how long it took to stop, and how it ended */
  stop(service: string | undefined, withinS: number): Promise<{ ms: number; exitCode: number; killed: boolean }>;
}

export interface Example<V> {
  value: V;
  points: number;
  hint: string;
}

export interface CheckKind<V = never> {
  /** its key in an assignment's check */
  name: string;
  /** one line: what it checks (docs, --explain, the template) */
  describe: string;
  phase: Phase;
  schema: Schema;
  /** what the schema cannot say (a regex that must compile) */
  validate?(v: V): string[];
  /** what this check checks, in a line: "GET /api/v1/status → 200" */
  title(v: V): string;
  run(v: V, part: PartRuntime): Promise<Outcome>;
  /** the hint when the course writes none */
  hint(v: V): string;
  /** a commented example (grade --init, docs/grading.md) */
  example: Example<V>;
  /**
   * A check of a script part, run inside the part's throwaway kernel after the student's setup
   * (src/grade/script/): the shell command it runs there, and how its result is judged.
   */
  inKernel?: { command(v: V): string; judge(v: V, r: { exitCode: number | null; stdout: string; stderr: string }): Outcome };
}

/** A service of the project, by name: never an address or a host name with dots (the probe reaches only the project). */
export const SERVICE_NAME = '^[A-Za-z][A-Za-z0-9_-]*$';
