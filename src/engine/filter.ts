// Collection filtering (OCCI: by Category and by X-OCCI-Attribute), applied to rendered entities
// so that it works the same whatever backend the rules talk to.
import type { Link, Resource } from '../occi/model.js';
import { typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { Filter } from './operation.js';

export function matchesFilter(entity: Resource | Link, filter: Filter, registry: CategoryRegistry): boolean {
  for (const c of filter.categories) {
    const id = typeId(c);
    const isKind = registry.isA(entity.kind, id);
    const hasMixin = entity.mixins.some((m) => m === id || registry.dependsOn(m, id));
    if (!isKind && !hasMixin) return false;
  }
  for (const [name, wanted] of Object.entries(filter.attributes)) {
    const actual =
      name === 'occi.core.id'
        ? entity.id
        : name === 'occi.core.title'
          ? (entity.title ?? entity.attributes[name])
          : entity.attributes[name];
    if (actual === undefined) return false;
    if (String(actual) !== String(wanted)) return false;
  }
  return true;
}
