// `npm run test:faults`: the fault suite in full (every fault at every write step of the shipped
// rules, the backend killed under load, SIGTERM under load, rule reloads under load), with a
// table of scenarios × outcome at the end. `npm test` runs the same files in their short mode.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts', 'test/engine/reload.test.ts'],
    env: { FAULTS: 'full' },
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/faults/table-reporter.ts'],
  },
});
