import { defineConfig } from 'vitest/config';
import { openSuitesRun } from './src/run/session.js';
import { seatCpus } from './src/core/windows.js';
import { setting, numberSetting, envWith, harnessBound } from './src/core/settings.js';

// Suites run side by side where nothing is measured, and alone where CPU is: a stray hog from a
// parallel file would halve a measured split. vitest runs groups in order (sequence.groupOrder),
// the projects of one group together. Each window also verifies it was alone (src/core/activity.ts).
// Within the measuring file, windows measure side by side, each on a CPU of its own.
const MEASURING = 1; // one worker, nothing else of the run: the cgroups suite's CPU windows
const MEASURING_TESTS = 2; // tests that start measuring runs of their own, one at a time
const SIDE_BY_SIDE = 3; // mounts, namespaces, builds, waits: each file in its own worker
// The end-to-end tests, one at a time: they start whole runs, plant a dead run's leftovers for
// `isolab clean`, score hostile submissions — each assumes the host to itself (tried three at a
// time: one's `isolab clean` took another's planted namespace, scores moved).
const TESTS = 4;
// ISOLAB_MAX_WORKERS caps the side-by-side group (an emulated guest sets it: src/guest/run-in-guest.ts).
// Grading a submission runs its files one after another: its fork bomb or log flood must not
// crowd another check of the same submission past its bounds.
const cap = setting('submission') ? 1 : numberSetting('maxWorkers', 0) || Infinity;
const WORKERS = { [MEASURING]: 1, [MEASURING_TESTS]: 1, [SIDE_BY_SIDE]: Math.min(10, cap), [TESTS]: 1 };

const suite = (name: string, include: string[], group: keyof typeof WORKERS, timeoutMs = 60_000,
  exclude: string[] = [], maxConcurrency = 5) => ({
  extends: true as const,
  test: {
    name, include, exclude, testTimeout: harnessBound(timeoutMs), hookTimeout: harnessBound(60_000), maxConcurrency,
    env: envWith({ suite: name }), // the worker's setup file knows its suite before the file loads
    maxWorkers: WORKERS[group], fileParallelism: WORKERS[group] > 1,
    sequence: { groupOrder: group },
    setupFiles: ['./src/results/worker-activity.ts'],
  },
});

// Tests whose own isolab runs measure CPU windows or timings (the bench, two runs measuring
// together, the cgroups controls, a scenario run with a split) stay out of the parallel group.
const measuringTests = ['test/e2e/bench.test.ts', 'test/e2e/concurrent.test.ts', 'test/e2e/scenarios.test.ts',
  'test/controls/cgroups.control.test.ts'];

const alone = ['test/controls/images.control.test.ts'];

// vitest adds an exit listener per project; with the run's own, that passes node's default of 10.
process.setMaxListeners(Math.max(process.getMaxListeners(), 20));

export default defineConfig(async () => {
  await openSuitesRun();
  return {
    test: {
      pool: 'forks',
      teardownTimeout: 30_000,
      reporters: ['default', './src/results/reporter.ts'],
      projects: [
        // Its windows run concurrently, as many as there are seats (a CPU each: src/core/windows.ts).
        suite('cgroups', ['suites/cgroups/cgroups.spec.ts'], MEASURING, 60_000, [], seatCpus().length),
        suite('cgroups-limits', ['suites/cgroups/limits.spec.ts'], SIDE_BY_SIDE), // memory and pids: no CPU window
        suite('unit-measuring', measuringTests, MEASURING_TESTS, 120_000),
        // Unit tests touch only what they make (temp dirs, their own groups); the negative controls
        // build what the suites build, named for the run: both beside the suites — but the images
        // controls, whose builds share cache layers with image.cache-hit's (tried beside it: its
        // second build missed the cache).
        suite('unit', ['test/unit/**/*.test.ts', 'test/controls/**/*.test.ts'], SIDE_BY_SIDE, 120_000, [...measuringTests, ...alone]),
        suite('unit-e2e', ['test/e2e/**/*.test.ts', ...alone], TESTS, 120_000, measuringTests),
        suite('overlay', ['suites/overlay/**/*.spec.ts'], SIDE_BY_SIDE),
        suite('netns', ['suites/netns/**/*.spec.ts'], SIDE_BY_SIDE),
        suite('compose', ['suites/compose/**/*.spec.ts'], SIDE_BY_SIDE, 180_000),
        suite('bocker', ['suites/bocker/**/*.spec.ts'], SIDE_BY_SIDE),
        suite('vm', ['suites/vm/**/*.spec.ts'], SIDE_BY_SIDE, 240_000),
      ],
    },
  };
});
