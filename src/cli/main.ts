// isolab — the command line. Each command lives in ./commands; this file only wires them.
import { Command, CommanderError } from 'commander';
import { doctor } from './commands/doctor.js';
import { provision } from './commands/provision.js';
import { cleanCommand } from './commands/clean.js';
import { runSuites, SUITES } from './commands/run.js';
import { CLAIMS } from '../claims/catalog.js';
import { benchCommand, SECTIONS } from './commands/bench.js';
import { reportCommand } from './commands/report.js';
import { gradeCommand } from './commands/grade.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('isolab')
    .description('Checks on real Linux what a systems course teaches about isolation primitives, and measures it.')
    .exitOverride()
    .showHelpAfterError();

  program.command('run')
    .description('run the suites (the main job); results in reports/<run>/ and reports/latest')
    .argument('[suite...]', `suites to run: ${SUITES.join(', ')} (default: all)`)
    .option('--claim <id>', 'run only this claim, or "claim › scenario" (repeatable)', collect)
    .option('--list', 'list the claims and exit')
    .addHelpText('after', '\nExamples:\n  sudo npx isolab run\n  sudo npx isolab run overlay cgroups\n  sudo npx isolab run --claim cgroups.cpu-weight-split')
    .action(async (suites: string[], o: { claim?: string[]; list?: boolean }) => {
      if (o.list) {
        for (const c of CLAIMS) process.stdout.write(`${c.id.padEnd(34)} ${c.suite.padEnd(8)} ${c.statement}\n`);
        return;
      }
      code = await runSuites(suites, o);
    });

  program.command('bench')
    .description('measure the startup ladder (process → namespaces → runc → container → VM), sizes and primitive costs')
    .argument('[section...]', `sections: ${SECTIONS.join(', ')} (default: ladder sizes primitives)`)
    .option('--quick', 'few samples: under a minute')
    .option('--samples <n>', 'samples per rung (overrides the defaults)', (v) => Number(v))
    .option('--rungs <list>', 'comma-separated rungs to run, e.g. process,vm')
    .option('--json', 'print results.json to stdout')
    .addHelpText('after', '\nExamples:\n  sudo npx isolab bench --quick\n  sudo npx isolab bench ladder --rungs process,namespaces,vm --samples 5\n  sudo npx isolab bench split-window')
    .action(async (sections: string[], o: { quick?: boolean; samples?: number; rungs?: string; json?: boolean }) => {
      code = await benchCommand(sections, o);
    });

  program.command('report')
    .description('re-render a run\'s report, or merge several results.json into a claim × host matrix')
    .argument('[results...]', 'results.json files (default: reports/latest/results.json)')
    .option('--out <dir>', 'where to write the matrix (default: reports/matrix-<time>)')
    .addHelpText('after', '\nExamples:\n  npx isolab report\n  npx isolab report ubuntu-22.04/results.json ubuntu-24.04/results.json')
    .action(async (files: string[], o: { out?: string }) => {
      code = await reportCommand(files, o);
    });

  program.command('grade')
    .description("run the image and compose checks against a student's folder and score them with a rubric")
    .argument('<dir>', 'the submission: hello/{Dockerfile,hello.sh} and compose/{docker-compose.yml,Dockerfile,server.go}')
    .option('--rubric <file>', 'rubric JSON: checks with points and hints (default: fixtures/grading/rubric.json)')
    .option('--json', 'print the grade as JSON')
    .addHelpText('after', '\nExamples:\n  sudo npx isolab grade fixtures/grading/sample\n  sudo npx isolab grade ~/submissions/alice --rubric course-rubric.json')
    .action(async (dir: string, o: { rubric?: string; json?: boolean }) => {
      code = await gradeCommand(dir, o);
    });

  program.command('doctor')
    .description('probe this host: what each suite needs, what is missing and how to fix it')
    .option('--json', 'machine-readable output')
    .option('--no-kvm', 'skip the KVM guest boot probe (up to 15 s)')
    .addHelpText('after', '\nExamples:\n  npx isolab doctor\n  npx isolab doctor --json | jq .cgroup')
    .action(async (o: { json?: boolean; kvm?: boolean }) => {
      code = await doctor(o);
    });

  program.command('provision')
    .description('install what the suites need (apt), start dockerd if none runs, build the offline base images')
    .option('--no-go', 'skip the Go builder image (debootstrap, ~45 s, 740 MB)')
    .option('--no-vm', 'skip qemu and the VM guest kernel')
    .option('--if-root', 'do nothing (exit 0) when not root')
    .addHelpText('after', '\nExamples:\n  sudo npx isolab provision\n  sudo npx isolab provision --no-go --no-vm')
    .action(async (o: { go?: boolean; vm?: boolean; ifRoot?: boolean }) => {
      code = await provision(o);
    });

  program.command('clean')
    .description('remove everything an earlier (crashed) run left behind: isolab-prefixed mounts, namespaces, cgroups, containers, networks, images')
    .option('--json', 'list what was removed as JSON')
    .option('--run <id>', "only that run's resources (isolab-<id>-…)")
    .addHelpText('after', '\nExamples:\n  sudo npx isolab clean\n  sudo npx isolab clean --run k3x9q2')
    .action(async (o: { json?: boolean; run?: string }) => {
      code = await cleanCommand(o);
    });

  // Internal: run by the reporter after SIGINT/SIGTERM (see src/results/interrupted.ts).
  program.command('_finish-interrupted', { hidden: true })
    .argument('<runDir>')
    .action(async (runDir: string) => {
      const { finishInterrupted } = await import('../results/interrupted.js');
      code = await finishInterrupted(runDir);
    });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    process.stderr.write(`isolab: ${(e as Error).message}\n`);
    return 1;
  }
  return code;
}
