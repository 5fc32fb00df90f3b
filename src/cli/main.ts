// isolab — the command line. Each command lives in ./commands; this file only wires them.
import { Command, CommanderError } from 'commander';
import { SUITES } from '../claims/catalog.js';
import { GUESTS } from '../guest/recipe.js';
import { VERSION } from '../core/version.js';
import { SECTIONS } from '../bench/sections.js';
import type { GradeCliOptions } from './commands/grade.js';
import type { RunOptions } from './commands/run.js';

// Commands are imported when they run: `isolab --version` or `--help` loads none of them (vitest
// alone takes a quarter of a second to import).
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The commands that create resources on the host (not clean, doctor, report). */
const MAKES_THINGS = new Set(['run', 'bench', 'grade', 'guest', 'provision']);

/**
 * A reader that closes early (`isolab provision | head`) must not end the process mid-work: an
 * unhandled EPIPE killed provisioning before its cleanup (an empty scratch dir was left). Output
 * to a closed pipe is dropped; the work and its cleanup finish.
 */
function dropOutputToClosedPipes(): void {
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    });
  }
}

/** What the command that ran answers: its exit code. */
interface Exit {
  code: number;
}

function defineRun(program: Command, exit: Exit): void {
  program.command('run')
    .description('run the suites (the main job); results in reports/<run>/ and reports/latest')
    .argument('[suite...]', `suites to run: ${SUITES.join(', ')} (default: all)`)
    .option('--claim <id>', 'run only this claim, or "claim › scenario" (repeatable)', collect)
    .option('--scenarios <dir>', "also run a course's scenario files (*.yaml) from this folder (repeatable)", collect)
    .option('--repeat <n>', 'run it n times; per claim: pass count, spread of each measured value, tolerance used', (v) => Number(v))
    .option('--list', 'list the claims and exit')
    .option('--markdown', 'with --list: the catalog as markdown (docs/claims.md)')
    .option('--guest <name>',
      `run inside a VM guest built from Debian's packages (${Object.keys(GUESTS).join(', ')}): cgroup v2, newer Docker, compose v2`)
    .option('--engine <name>',
      'the container engine the docker-side claims drive: docker (default) or podman (rootful, with podman-compose)')
    .option('--beside <load>',
      'run beside outside load of its own, e.g. cpu=0.3: each CPU busy 30% of the time (to try verdicts on a busy host)')
    .addHelpText('after', '\nExamples:\n  sudo npx isolab run\n  sudo npx isolab run overlay cgroups\n  sudo npx '
      + 'isolab run --claim cgroups.cpu-weight-split\n  sudo npx isolab run --guest trixie cgroups overlay\n  sudo '
      + 'npx isolab run --guest trixie --engine podman compose\n  sudo npx isolab run --scenarios course/scenarios')
    .action(async (suites: string[], o: RunOptions) => {
      exit.code = await (await import('./commands/run.js')).runCommand(suites, o);
    });
}

function defineBench(program: Command, exit: Exit): void {
  program.command('bench')
    .description('measure the startup ladder (process → namespaces → runc → container → VM), sizes and primitive costs')
    .argument('[section...]', `sections: ${SECTIONS.join(', ')} (default: ladder sizes primitives)`)
    .option('--quick', 'few samples: under a minute')
    .option('--samples <n>', 'samples per rung (overrides the defaults)', (v) => Number(v))
    .option('--rungs <list>', 'comma-separated rungs to run, e.g. process,vm')
    .option('--json', 'print results.json to stdout')
    .addHelpText('after', '\nExamples:\n  sudo npx isolab bench --quick\n  sudo npx isolab bench ladder --rungs '
      + 'process,namespaces,vm --samples 5\n  sudo npx isolab bench split-window\n  sudo npx isolab bench '
      + 'guests          # guest build, boot and suite times (guest build trixie first)')
    .action(async (sections: string[], o: { quick?: boolean; samples?: number; rungs?: string; json?: boolean }) => {
      exit.code = await (await import('./commands/bench.js')).benchCommand(sections, o);
    });
}

function defineReport(program: Command, exit: Exit): void {
  program.command('report')
    .description('re-render a run\'s report, or merge several results.json into a claim × host matrix')
    .argument('[results...]', 'results.json files (default: reports/latest/results.json)')
    .option('--out <dir>', 'where to write the matrix (default: reports/matrix-<time>)')
    .addHelpText('after', '\nExamples:\n  npx isolab report\n  npx isolab report ubuntu-22.04/results.json ubuntu-24.04/results.json')
    .action(async (files: string[], o: { out?: string }) => {
      exit.code = await (await import('./commands/report.js')).reportCommand(files, o);
    });
}

function defineGrade(program: Command, exit: Exit): void {
  program.command('grade')
    .description("score a student's Dockerfiles and compose file with the image and compose checks and a rubric")
    .argument('[dir]', 'the submission (its layout is the assignment\'s; the lecture\'s: hello/ and compose/)')
    .option('--assignment <file>', 'assignment YAML/JSON: where each part lives, services, port, message, limits (default: the lecture\'s)')
    .option('--rubric <file>', 'rubric JSON: checks with points and hints (default: fixtures/grading/rubric.json)')
    .option('--format <name>', 'also write gradescope.json (gradescope), PrairieLearn\'s results (prairielearn), or the '
      + 'retired Classroom result (classroom); ctrf.json and junit.xml are always written; repeatable', collect)
    .option('--json', 'print the grade as JSON')
    .option('--init [dir]', 'write a commented assignment.yaml of every kind of check to start from (and the lecture\'s shape; the folder is made)')
    .option('--explain [assignment]', 'print what will be checked, for how many points, with which hints (with --rubric: '
      + 'that rubric); runs nothing')
    .option('--force', 'with --init: overwrite an existing assignment.yaml or rubric.json')
    .option('--batch', 'DIR holds one folder per student: grade each, write grades.csv (resumes after a crash)')
    .option('--shard <i/n>', 'with --batch: grade only every n-th student starting at i (for a CI matrix)')
    .option('--out <path>',
      'with --batch or --merge: the folder for grades.csv (default: reports/batch-<folder>); with --format '
      + 'gradescope: the results file (default: /autograder/results/results.json where /autograder exists)')
    .option('--merge <csv...>', "join shards' grades-i-of-n.csv files into --out's grades.csv")
    .addHelpText('after', '\nExamples:\n  sudo npx isolab grade fixtures/grading/sample\n  sudo npx isolab grade '
      + '~/alice --assignment course.yaml --rubric course-rubric.json --format gradescope\n  sudo npx isolab grade '
      + '--batch submissions/ --shard 1/4\n  npx isolab grade --merge out/grades-*-of-4.csv --out out\n  npx isolab grade --init course/'
      + '\n  npx isolab grade --explain course/assignment.yaml --rubric course/rubric.json')
    .action(async (dir: string | undefined, o: GradeCliOptions) => {
      exit.code = await (await import('./commands/grade.js')).gradeCli(dir, o);
    });
}

function defineGuest(program: Command, exit: Exit): void {
  const guest = program.command('guest').description("VM guests that stand in for other hosts (cgroup v2, Docker "
    + "26/28, compose v2, Node 24), built from Debian's packages");
  const command = async () => import('./commands/guest.js');
  guest.command('build')
    .argument('<name>', Object.keys(GUESTS).join(' | '))
    .option('--force', 'rebuild even when the cached guest matches its recipe')
    .description('build (or reuse) a guest disk: debootstrap, the guest\'s kernel, the offline images')
    .action(async (name: string, o: { force?: boolean }) => {
      exit.code = await (await command()).guestBuild(name, o);
    });
  guest.command('list').description('cached guests and their versions').action(async () => {
    exit.code = await (await command()).guestList();
  });
  guest.command('rm').argument('<name>').description('remove a cached guest').action(async (name: string) => {
    exit.code = await (await command()).guestRemove(name);
  });
}

function defineDoctor(program: Command, exit: Exit): void {
  program.command('doctor')
    .description('probe this host: what each suite needs, what is missing and how to fix it')
    .option('--json', 'machine-readable output')
    .option('--no-kvm', 'skip the KVM guest boot probe (up to 15 s)')
    .addHelpText('after', '\nExamples:\n  npx isolab doctor\n  npx isolab doctor --json | jq .cgroup')
    .action(async (o: { json?: boolean; kvm?: boolean }) => {
      exit.code = await (await import('./commands/doctor.js')).doctor(o);
    });
}

function defineProvision(program: Command, exit: Exit): void {
  program.command('provision')
    .description('install what the suites need (apt), start dockerd if none runs, build the offline base images')
    .option('--no-go', 'skip the Go builder image (debootstrap, ~45 s, 740 MB)')
    .option('--no-vm', 'skip qemu and the VM guest kernel')
    .option('--if-root', 'do nothing (exit 0) when not root')
    .addHelpText('after', '\nExamples:\n  sudo npx isolab provision\n  sudo npx isolab provision --no-go --no-vm')
    .action(async (o: { go?: boolean; vm?: boolean; ifRoot?: boolean }) => {
      exit.code = await (await import('./commands/provision.js')).provision(o);
    });
}

function defineSettings(program: Command): void {
  program.command('settings')
    .description('the ISOLAB_* environment variables isolab reads: meaning and default (as markdown)')
    .action(async () => {
      process.stdout.write((await import('../core/settings.js')).settingsMarkdown());
    });
}

function defineClean(program: Command, exit: Exit): void {
  program.command('clean')
    .description('remove everything an earlier (crashed) run left behind: isolab-prefixed mounts, namespaces, '
      + 'cgroups, containers, networks, images')
    .option('--json', 'list what was removed as JSON')
    .option('--run <id>', "only that run's resources (isolab-<id>-…)")
    .addHelpText('after', '\nExamples:\n  sudo npx isolab clean\n  sudo npx isolab clean --run k3x9q2')
    .action(async (o: { json?: boolean; run?: string }) => {
      exit.code = await (await import('./commands/clean.js')).cleanCommand(o);
    });
}

export async function main(argv: string[]): Promise<number> {
  const exit: Exit = { code: 0 };
  dropOutputToClosedPipes();
  const program = new Command('isolab')
    .description('Checks on real Linux what a systems course teaches about isolation primitives, and measures it.')
    .version(VERSION, '-V, --version', 'print isolab\'s version')
    .exitOverride()
    .showHelpAfterError();
  // A command that makes things on the host announces its run host-wide first: another run's leak
  // check and `isolab clean` spare a live run's temp dirs, containers and disks.
  program.hook('preAction', async (_program, action) => {
    const top = action.parent && action.parent !== program ? action.parent.name() : action.name();
    if (MAKES_THINGS.has(top)) (await import('../run/session.js')).announceRun();
  });

  for (const define of [defineRun, defineBench, defineReport, defineGrade, defineGuest, defineDoctor, defineProvision,
    defineSettings, defineClean]) define(program, exit);

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    process.stderr.write(`isolab: ${(e as Error).message}\n`);
    return 1;
  }
  return exit.code;
}
