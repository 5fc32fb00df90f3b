import { defineConfig } from 'vitest/config';
import { prepareRun } from './src/results/run-context.js';

// Suites touch one kernel: mounts, namespaces and CPU shares must not run concurrently
// (a stray hog from a parallel file would halve a measured split), so one worker runs all.
const suite = (name: string, include: string[], timeoutMs = 60_000) => ({
  extends: true as const,
  test: { name, include, testTimeout: timeoutMs, hookTimeout: 60_000 },
});

export default defineConfig(async () => {
  await prepareRun();
  return {
    test: {
      pool: 'forks',
      maxWorkers: 1,
      fileParallelism: false,
      teardownTimeout: 30_000,
      reporters: ['default', './src/results/reporter.ts'],
      projects: [
        suite('unit', ['test/**/*.test.ts'], 120_000),
        suite('overlay', ['suites/overlay/**/*.spec.ts']),
        suite('cgroups', ['suites/cgroups/**/*.spec.ts']),
        suite('netns', ['suites/netns/**/*.spec.ts']),
        suite('compose', ['suites/compose/**/*.spec.ts'], 180_000),
        suite('bocker', ['suites/bocker/**/*.spec.ts']),
      ],
    },
  };
});
