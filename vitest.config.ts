import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Deadlines only end a wait for something that will not happen: generous, so that a loaded
    // machine cannot fail a test by being slow.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The engine's JSONata wall-clock limit (250 ms) fails good requests when the machine is busy;
    // tests must not depend on its speed. Inherited by the snf-occi processes tests start.
    env: { SNF_OCCI_EXPRESSION_TIMEOUT_MS: '10000' },
  },
});
