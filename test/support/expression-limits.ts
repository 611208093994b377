// The suite runs with a generous JSONata time limit (vitest.config.ts sets
// SNF_OCCI_EXPRESSION_TIMEOUT_MS) so that a busy machine cannot fail a good request. Tests of the
// limit itself shorten it for one call: an expression that runs for minutes then stops quickly,
// whatever the load, and nothing else in the test sees the short limit.
import { DEFAULT_EXPRESSION_LIMITS } from '../../src/mapping/expressions.js';

/** Runs `fn` with the default expression time limit set to `timeoutMs`, then restores it. */
export async function withExpressionTimeout<T>(timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const saved = DEFAULT_EXPRESSION_LIMITS.timeoutMs;
  DEFAULT_EXPRESSION_LIMITS.timeoutMs = timeoutMs;
  try {
    return await fn();
  } finally {
    DEFAULT_EXPRESSION_LIMITS.timeoutMs = saved;
  }
}
