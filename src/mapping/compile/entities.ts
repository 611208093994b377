// Compile pass for entity mappings: how a backend object becomes an OCCI entity of a kind, declared
// once per kind and used by every rule of that kind through `$entity(...)`; and the pattern ids of
// that kind follow, so that a path that cannot name one is 404 before any backend call.
import type { CategoryRegistry } from '../../occi/registry.js';
import type { EntityPlan } from '../plan.js';
import type { FileContext, Raw } from './file-context.js';
import { checkNames, type Names } from './steps.js';

export function compileEntities(
  ctx: FileContext,
  registry: CategoryRegistry,
  entities: Map<string, EntityPlan>,
  global: Names,
): void {
  const raw = ctx.data?.entities;
  if (!Array.isArray(raw)) return;
  (raw as Raw[]).forEach((e, i) => {
    const path = ['entities', i];
    if (!ctx.valid(path)) return;
    const kind = String(e.kind);
    if (!registry.kind(kind)) {
      ctx.report([...path, 'kind'], 'unknown-kind', `kind '${kind}' is not declared`);
      return;
    }
    const first = entities.get(kind);
    if (first) {
      ctx.report(
        [...path, 'kind'],
        'duplicate-definition',
        `the entity mapping of '${kind}' is already defined at ${first.origin.file}:${first.origin.line}`,
      );
      return;
    }
    // The map's input is what the rule passes to $entity(...).
    const map = ctx.expression([...path, 'map'], e.map, 'document');
    checkNames(ctx, [...path, 'map'], map, global);
    let idPattern: RegExp | undefined;
    if (typeof e.idPattern === 'string') {
      try {
        idPattern = new RegExp(e.idPattern, 'u');
      } catch (err) {
        ctx.report(
          [...path, 'idPattern'],
          'expression',
          `idPattern is not a regular expression: ${(err as Error).message}`,
        );
      }
    }
    if (!map) return;
    entities.set(kind, { kind, map, origin: ctx.at(path), ...(idPattern ? { idPattern } : {}) });
  });
}
