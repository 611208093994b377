// Vitest global set-up: builds dist/ from the current sources before any test runs, so that the
// tests that spawn `bin/snf-occi.js` (which runs dist/) exercise the shipped build of this very
// code, never a stale one.
import { buildDist } from '../../scripts/build.js';

export default async function setup(): Promise<void> {
  await buildDist();
}
