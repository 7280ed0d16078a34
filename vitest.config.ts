import { defineConfig } from 'vitest/config';

// `npm test` runs every test this machine can; `npm run test:fast` (`--mode fast`) only those that
// run inside the test process. Many tests wait on sockets, timers and child processes, so one
// worker more than two cores keeps them busy. A worker keeps the modules it loaded from one file
// to the next (no file changes another's state: each makes its own folders, database and servers),
// which halves the processor time the suite takes.
export default defineConfig(({ mode }) => ({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    // Each test file's temporary folders in one of its own, removed after it.
    setupFiles: ['tests/setup-temp.ts'],
    provide: { tier: mode === 'fast' ? 'fast' : 'full' },
    pool: 'forks',
    // The fast tier waits on sockets and timers more than it computes: one worker more keeps the cores busy.
    maxWorkers: mode === 'fast' ? 4 : 3,
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
}));
