import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that spawn bin/snf-occi.js run dist/: build it from the current sources first.
    globalSetup: ['test/support/build-dist.ts'],
    // Deadlines only end a wait for something that will not happen: generous, so that a loaded
    // machine cannot fail a test by being slow.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
