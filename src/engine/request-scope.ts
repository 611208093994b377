// The names every expression of a request sees besides its rule's steps: the value tables, the
// helpers ($location, $idOf, $mixin, $templates, $fail, $entity) over the caller's view of the
// model, and the shared functions, bound once per request as real JSONata values.
import { Budget, NotKnownYet, Scope } from '../mapping/expressions.js';
import type { MappingPlans } from '../mapping/plan.js';
import { OcciError } from '../occi/errors.js';
import { entityLocation, findKind, locate } from '../occi/locations.js';
import { typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import { RuleFailure } from './fault-translation.js';
import { mixinDocument } from './request-document.js';

export interface RequestScope {
  scope: Scope;
  budget: Budget;
}

/** The scope of one request: helpers over `registry`, the tables, the shared functions. */
export async function requestScope(
  mapping: MappingPlans,
  registry: CategoryRegistry,
  requestId: string,
  /** Planning without sending (explain): the template lists are not known, so helpers over them say so. */
  planning = false,
): Promise<RequestScope> {
  const budget = new Budget(mapping.limits);
  const notKnown = () => {
    throw new NotKnownYet('the template lists, which come from the backend');
  };
  const scope = new Scope({
    requestId,
    tables: mapping.tables,
    /** Ends the rule with an OCCI error, e.g. $fail(404, "server deleted"). */
    fail: (status: unknown, message: unknown) => {
      throw new RuleFailure(Number(status), String(message ?? 'failed'));
    },
    /** Every mixin the caller can see that depends on this one, e.g. all resource templates. */
    templates: planning
      ? notKnown
      : (dependsOn: unknown) =>
          typeof dependsOn === 'string'
            ? registry.dependents(dependsOn).map((m) => mixinDocument(typeId(m), registry))
            : [],
    /** A mixin the caller can see (templates included), as rules see request mixins. */
    mixin: (id: unknown) =>
      typeof id === 'string' && registry.mixin(id) ? mixinDocument(id, registry) : undefined,
    location: (kind: unknown, id: unknown) => {
      const k = typeof kind === 'string' ? findKind(registry, kind) : undefined;
      if (!k?.location || id === undefined || id === null) return undefined;
      return entityLocation(k, String(id));
    },
    idOf: (location: unknown, kind?: unknown) => {
      if (typeof location !== 'string') return undefined;
      const found = locate(registry, location);
      if (!found) return undefined;
      if (
        typeof kind === 'string' &&
        found.kind !== (findKind(registry, kind) ? typeId(findKind(registry, kind)!) : kind)
      )
        return undefined;
      return found.id;
    },
    /** The entity object of a backend object, by the entity mapping of `kind` (see `entities:`). */
    entity: (object: unknown, kind?: unknown) => mapEntity(mapping, scope, budget, object, kind),
  });
  if (mapping.functionBlock) {
    // One block binds them all in this scope: each function sees the helpers and every other one.
    const value = mapping.functionBlock.evaluate({}, scope, budget);
    const functions = (value instanceof Promise ? await value : value) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(functions)) scope.set(name, fn);
  }
  return { scope, budget };
}

export function mapEntity(
  mapping: MappingPlans,
  scope: Scope,
  budget: Budget,
  object: unknown,
  kind: unknown,
): unknown {
  if (object === undefined || object === null) return undefined;
  const plan = typeof kind === 'string' ? mapping.entities.get(kind) : undefined;
  if (!plan) throw new OcciError(502, `no entity mapping for kind '${String(kind)}'`);
  return plan.map.evaluate(object, scope, budget);
}
