import { defineConfig } from 'vitest/config';

// `npm test` runs every test this machine can; `npm run test:fast` (`--mode fast`) only those that
// run inside the test process. Most tests wait on sockets, files and child processes rather than
// on the processor, so a few more workers than cores keep two cores busy.
export default defineConfig(({ mode }) => ({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    provide: { tier: mode === 'fast' ? 'fast' : 'full' },
    pool: 'forks',
    maxWorkers: 4,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
}));
