// Shared fixtures of the rendering tests: a render context over the shipped Infrastructure model,
// a compute and a network interface as the model holds them, and an assertion for the OcciErrors
// that the parsers throw.
import { expect } from 'vitest';
import { loadRules } from '../../src/mapping/load-rules.js';
import { OcciError } from '../../src/occi/errors.js';
import type { Link, Resource } from '../../src/occi/model.js';
import type { CategoryRegistry } from '../../src/occi/registry.js';
import type { RenderContext } from '../../src/rendering/document.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';

export const compute: Resource = {
  kind: `${INFRA}compute`,
  mixins: [`${INFRA}os_tpl`, 'http://example.com/occi/os_tpl#6b8f1c2e-1f0b-4d7a-9a43-0e3c7d1d2b11'],
  id: 'urn:uuid:996ad860-2a9a-504f-8861-aeafd0b2ae29',
  location: '/compute/996ad860',
  title: 'My VM',
  summary: 'a test machine',
  attributes: { 'occi.compute.cores': 2, 'occi.compute.memory': 4.5, 'occi.compute.state': 'active' },
  actions: ['http://schemas.ogf.org/occi/infrastructure/compute/action#stop'],
  links: [],
};

export const nic: Link = {
  kind: `${INFRA}networkinterface`,
  mixins: ['http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface'],
  id: 'urn:uuid:22fe83ae-a20f-54fc-b436-cec85c94c5e8',
  location: '/link/networkinterface/22fe83ae',
  attributes: { 'occi.networkinterface.interface': 'eth0', 'occi.networkinterface.address': '192.168.0.100' },
  actions: [],
  source: { location: '/compute/996ad860', kind: `${INFRA}compute` },
  target: { location: '/network/b7d55bf4', kind: `${INFRA}network` },
};

export const computeWithLink: Resource = { ...compute, links: [nic] };

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
