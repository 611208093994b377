// The two evaluation paths of the differential tests, and the scope a request gives expressions on
// each, built as src/engine/request-scope.ts builds it: the helpers (deterministic stubs), the
// tables, $entity over the rule set's entity maps (by the engine's own mapEntity), and the shared
// functions bound once by evaluating mapping.functionBlock in that scope. On the compiled path
// every expression (the block and the entity maps included) is the compiled one; on the library
// path every one is run by the jsonata library alone, with no budget hooks: the reference.
import jsonata from 'jsonata';
import { mapEntity } from '../../src/engine/request-scope.js';
import { type Budget, type Expression, libraryExpression, Scope } from '../../src/mapping/expressions.js';
import type { EntityPlan, MappingPlans } from '../../src/mapping/plan.js';
import { helperStubs } from './cyclades-documents.js';

export interface Path {
  name: string;
  /** The expression as this path runs it. */
  as(e: Expression): Expression;
}

const parsed = new Map<string, ReturnType<typeof jsonata>>();
/** The helpers: stateless, made once (building the template documents costs more than most expressions). */
const HELPERS = helperStubs();

/** `e` run by the jsonata library on its own, given the names `e` reads from the scope. */
export function reference(e: Expression): Expression {
  const names = [...new Set([...e.freeVariables, ...e.calledFunctions])];
  let library = parsed.get(e.source);
  if (!library) {
    library = jsonata(e.source);
    parsed.set(e.source, library);
  }
  const run = library;
  return {
    source: e.source,
    freeVariables: e.freeVariables,
    calledFunctions: e.calledFunctions,
    compiled: false,
    evaluate(input, scope) {
      const s = scope instanceof Scope ? scope : new Scope(scope);
      const bindings: Record<string, unknown> = {};
      for (const name of names) if (s.has(name)) bindings[name] = s.lookup(name);
      return run.evaluate(input, bindings);
    },
  };
}

export const COMPILED: Path = { name: 'compiled', as: (e) => e };
export const LIBRARY: Path = { name: 'jsonata library', as: reference };
const budgeted = new Map<string, Expression>();
/** The jsonata library under the Budget (its evaluate hooks): for runaway expressions, which only have to stop. */
export const BUDGETED_LIBRARY: Path = {
  name: 'jsonata library (budgeted)',
  as(e) {
    let b = budgeted.get(e.source);
    if (!b) {
      b = libraryExpression(e.source);
      budgeted.set(e.source, b);
    }
    return b;
  },
};

/** The scope of one request on `path`, spending `budget` (the block and entity maps included). */
export async function requestScope(
  mapping: MappingPlans,
  path: Path,
  budget: Budget,
  requestId = 'req-1',
): Promise<Scope> {
  const entities = new Map<string, EntityPlan>(
    [...mapping.entities].map(([kind, plan]) => [kind, { ...plan, map: path.as(plan.map) }]),
  );
  const plans: MappingPlans = { ...mapping, entities };
  const scope: Scope = new Scope({
    requestId,
    tables: mapping.tables,
    ...HELPERS,
    entity: (object: unknown, kind?: unknown) => mapEntity(plans, scope, budget, object, kind),
  });
  if (mapping.functionBlock) {
    const value = path.as(mapping.functionBlock).evaluate({}, scope, budget);
    const functions = (value instanceof Promise ? await value : value) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(functions)) scope.set(name, fn);
  }
  return scope;
}

/** A rule's scope: `$entity(x)` maps x by the rule's own kind, as the engine's ruleScope does. */
export function ruleScope(scope: Scope, category: string | undefined): Scope {
  if (!category) return scope;
  const entity = scope.lookup('entity') as (o: unknown, k?: unknown) => unknown;
  return scope.child({ entity: (o: unknown, k?: unknown) => entity(o, k ?? category) });
}

/** Names a request's scope binds for every expression (the rest come from the rule). */
export function requestNames(mapping: MappingPlans): Set<string> {
  return new Set(['tables', ...Object.keys(HELPERS), 'entity', ...mapping.functions.keys()]);
}
