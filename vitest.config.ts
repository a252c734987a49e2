import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The conformance reporter writes the run's reports; it stays silent when no conformance test ran.
    reporters: ['default', './src/vitest/reporter.ts'],
    projects: [
      {
        test: {
          name: 'self',
          include: ['test/**/*.test.ts'],
          // The self-tests mostly wait on sockets, timers and child processes: one file per core, not one fewer.
          maxWorkers: Math.max(2, availableParallelism()),
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'conformance',
          include: ['suites/**/*.test.ts'],
          // One engine run for the whole project, before any suite: the suites read its verdicts.
          globalSetup: ['./src/vitest/global-setup.ts'],
        },
      },
    ],
  },
});
