// Shared fixtures of the rendering tests: a render context over the shipped Infrastructure model,
// and an assertion for the OcciErrors that the parsers throw.
import { expect } from 'vitest';
import { loadRules } from '../../src/mapping/load-rules.js';
import { OcciError } from '../../src/occi/errors.js';
import type { CategoryRegistry } from '../../src/occi/registry.js';
import type { RenderContext } from '../../src/rendering/document.js';

let registry: CategoryRegistry | undefined;

/** The provider's model from mappings/ (loaded once per test file). */
export async function infrastructureRegistry(): Promise<CategoryRegistry> {
  if (registry) return registry;
  const { ruleSet, problems } = await loadRules('mappings');
  if (!ruleSet) throw new Error(`mappings/ does not load: ${problems.map((p) => p.message).join('; ')}`);
  registry = ruleSet.registry;
  return registry;
}

/** A render context whose `url` leaves paths as they are. */
export async function identityContext(): Promise<RenderContext> {
  return { url: (path) => path, registry: await infrastructureRegistry() };
}

/** Runs `fn` and returns the OcciError it throws; fails the test if it returns or throws anything else. */
export function occiErrorOf(fn: () => unknown): OcciError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected an OcciError to be thrown').toBeInstanceOf(OcciError);
  return thrown as OcciError;
}

/** Asserts that `fn` throws an OcciError with this status and a message matching every pattern. */
export function expectOcciError(fn: () => unknown, status: number, ...patterns: RegExp[]): void {
  const error = occiErrorOf(fn);
  expect(error.status, error.message).toBe(status);
  for (const p of patterns) expect(error.message).toMatch(p);
}
