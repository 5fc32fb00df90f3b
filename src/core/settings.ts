// Every ISOLAB_* environment variable isolab reads, in one place: its name, what it means, its
// default. Nothing else reads process.env for them (test/unit/settings.test.ts checks it), and
// docs/settings.md is this table. Values are read when asked for, not at import: the CLI sets
// some for the vitest workers it starts, which read them as they would under `npx vitest`.

interface Def {
  env: `ISOLAB_${string}`;
  meaning: string;
  default: string;
  /** set by isolab for the processes it starts; a user has no reason to */
  internal?: true;
}

/** Emulation runs Node and compilers 6–10× slower; a claim's bound is set for a host. */
const EMULATED_BOUND_FACTOR = 3;

export const SETTINGS = {
  engine: { env: 'ISOLAB_ENGINE',
    meaning: 'the container engine the docker-side claims drive: docker or podman (`--engine`)', default: 'docker' },
  reports: { env: 'ISOLAB_REPORTS', meaning: 'the folder runs write their reports into', default: './reports' },
  scenarios: { env: 'ISOLAB_SCENARIOS', meaning: "a course's scenario folders, separated like PATH (`--scenarios`)", default: 'none' },
  strict: { env: 'ISOLAB_STRICT',
    meaning: '1: a claim this host cannot run fails instead of skipping; 0: it skips even under CI', default: '1 when CI=true, else 0' },
  expect: { env: 'ISOLAB_EXPECT',
    meaning: 'capabilities (comma-separated, e.g. `kvm,podman`) this host must have under ISOLAB_STRICT: a claim '
    + 'skipped for one fails', default: 'none' },
  excuse: { env: 'ISOLAB_EXCUSE', meaning: 'capabilities (comma-separated) a claim may skip for under ISOLAB_STRICT', default: 'none' },
  leakCheck: { env: 'ISOLAB_LEAK_CHECK', meaning: '0: no leak check at the end of a run', default: '1' },
  engineApi: { env: 'ISOLAB_ENGINE_API',
    meaning: "0: the leak check reads docker's listings through its CLI, not on the engine's socket", default: '1' },
  holdMs: { env: 'ISOLAB_HOLD_MS', meaning: 'keep what a check built in place this long before it is undone, to look at it', default: '0' },
  trace: { env: 'ISOLAB_TRACE',
    meaning: 'a file: one line per external command isolab ran (time, milliseconds, pid, command)', default: 'none' },
  maxWorkers: { env: 'ISOLAB_MAX_WORKERS', meaning: 'at most this many test files side by side', default: 'up to 10' },
  composeTimeoutMs: { env: 'ISOLAB_COMPOSE_TIMEOUT_MS',
    meaning: 'the bound on a compose project coming up once its images are built (ms)',
    default: "150000; grading: the assignment's upSeconds" },
  composeBuildTimeoutMs: { env: 'ISOLAB_COMPOSE_BUILD_TIMEOUT_MS', meaning: "the bound on building a compose project's images (ms)",
    default: "600000; grading: the assignment's buildSeconds" },
  registry: { env: 'ISOLAB_REGISTRY', meaning: '1 or 0: a container registry is reachable (else probed)', default: 'probed' },
  runsDir: { env: 'ISOLAB_RUNS_DIR', meaning: 'the host-wide run registry and build journals',
    default: '/run/isolab as root, /tmp/.isolab-runs-<uid> otherwise' },
  mirror: { env: 'ISOLAB_MIRROR', meaning: "the Debian mirror debootstrap uses (provision, guest build)",
    default: "the first of /etc/apt's sources" },
  guestCache: { env: 'ISOLAB_GUEST_CACHE', meaning: 'where built guests are kept', default: '/var/cache/isolab/guests' },
  vmDir: { env: 'ISOLAB_VM_DIR', meaning: "the VM suite's kernel and initramfs", default: '/var/cache/isolab/vm' },
  guestAccel: { env: 'ISOLAB_GUEST_ACCEL', meaning: 'kvm or tcg: how guests run', default: 'tcg' },
  guestWorkers: { env: 'ISOLAB_GUEST_WORKERS', meaning: 'test files side by side inside an emulated guest', default: '1' },
  guestVcpusSerial: { env: 'ISOLAB_GUEST_VCPUS_SERIAL',
    meaning: "0: treat an emulated guest's vCPUs as CPUs that run in parallel", default: '1' },
  guestVerbose: { env: 'ISOLAB_GUEST_VERBOSE', meaning: "1: print a guest build's log lines", default: '0' },
  autograderRoot: { env: 'ISOLAB_AUTOGRADER_ROOT',
    meaning: "Gradescope's autograder folder (its results file is results/results.json there)", default: '/autograder' },
  prairielearnRoot: { env: 'ISOLAB_PRAIRIELEARN_ROOT',
    meaning: "PrairieLearn's grading folder (its results file is results/results.json there)", default: '/grade' },
  // Set by isolab for the processes it starts.
  runId: { env: 'ISOLAB_RUN_ID', meaning: "the run's id; every process of the run inherits it", default: 'new', internal: true },
  runDir: { env: 'ISOLAB_RUN_DIR', meaning: "the run's report folder", default: 'reports/<time>-<id>', internal: true },
  host: { env: 'ISOLAB_HOST', meaning: "the host probe's result (JSON), probed once per run", default: 'probed', internal: true },
  suite: { env: 'ISOLAB_SUITE', meaning: 'the suite a vitest worker runs', default: 'unknown', internal: true },
  submission: { env: 'ISOLAB_SUBMISSION', meaning: 'the submission being graded (`isolab grade`)', default: 'none', internal: true },
  assignment: { env: 'ISOLAB_ASSIGNMENT', meaning: "the assignment file of a grade (`--assignment`)",
    default: "the lecture's", internal: true },
  request: { env: 'ISOLAB_REQUEST', meaning: "what a run is asked to do (suites, claims, scenario folders, engine, load "
    + 'beside it) as JSON, handed to an `isolab run` started without arguments (a repeat\'s runs, a guest\'s run)',
  default: 'none', internal: true },
  outerRun: { env: 'ISOLAB_OUTER_RUN', meaning: 'the outermost run of this process tree: a run started inside another '
    + "(a test's own `isolab run`, a batch's grade) writes no GitHub job summary or annotations", default: 'this run',
  internal: true },
  scenarioSet: { env: 'ISOLAB_SCENARIO_SET', meaning: "the run's scenario files, parsed and checked once, as a JSON file "
    + 'the workers read', default: 'parsed by each worker', internal: true },
  beside: { env: 'ISOLAB_BESIDE', meaning: 'the outside load the run started beside itself (`--beside`)', default: 'none', internal: true },
  guest: { env: 'ISOLAB_GUEST', meaning: 'the guest a run is inside of (`--guest`)', default: 'none', internal: true },
  emulated: { env: 'ISOLAB_EMULATED', meaning: 'this run is inside a guest QEMU emulates (TCG): claims and hooks get '
    + `${EMULATED_BOUND_FACTOR}× their time bounds`, default: '0', internal: true },
  vcpusSerial: { env: 'ISOLAB_VCPUS_SERIAL', meaning: "1: this guest's vCPUs take turns on one emulator thread",
    default: '0', internal: true },
} as const satisfies Record<string, Def>;

export type SettingName = keyof typeof SETTINGS;

/** The raw value, or undefined when unset or empty. */
export function setting(name: SettingName): string | undefined {
  return process.env[SETTINGS[name].env] || undefined;
}

export const flag = (name: SettingName): boolean => setting(name) === '1';
export const list = (name: SettingName): string[] => (setting(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
/** A harness bound (a claim's or a hook's timeout), longer in an emulated guest: its firing says
 * nothing of the mechanism. */
export const harnessBound = (ms: number): number => (flag('emulated') ? EMULATED_BOUND_FACTOR * ms : ms);

export function numberSetting(name: SettingName, fallback: number): number {
  const v = setting(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${SETTINGS[name].env}="${v}" is not a number: ${SETTINGS[name].meaning}`);
  return n;
}

/** Set (or, with undefined, unset) for this process and those it starts from now on. */
export function setSetting(name: SettingName, value: string | undefined): void {
  if (value === undefined) delete process.env[SETTINGS[name].env];
  else process.env[SETTINGS[name].env] = value;
}

/** An environment for a child process: these settings set or (undefined) removed. */
export function envWith(values: Partial<Record<SettingName, string | undefined>>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [SETTINGS[k as SettingName].env, v]));
}

/** The table, as docs/settings.md shows it. */
export function settingsMarkdown(): string {
  const row = (d: Def) => `| \`${d.env}\` | ${d.meaning} | ${d.default} |`;
  const defs = Object.values(SETTINGS) as Def[];
  return [
    '# Settings',
    '',
    'isolab reads these environment variables (and no others of its own); `src/core/settings.ts` is where.',
    'Generated: `isolab settings`.',
    '',
    '| Variable | Meaning | Default |',
    '|---|---|---|',
    ...defs.filter((d) => !d.internal).map(row),
    '',
    '## Set by isolab for the processes it starts',
    '',
    '| Variable | Meaning | Default |',
    '|---|---|---|',
    ...defs.filter((d) => d.internal).map(row),
    '',
  ].join('\n');
}
