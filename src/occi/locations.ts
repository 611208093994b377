// Where entities live: a kind's location plus the percent-encoded id (`/compute/42`), and back.
// The one place that turns locations into (kind, id) and ids into locations.
import { type Kind, typeId } from './model.js';
import type { CategoryRegistry } from './registry.js';

export function entityLocation(kind: Kind, id: string): string {
  return `${kind.location ?? '/'}${encodeURIComponent(id)}`;
}

/** A kind by type identifier or by term (`$location("network", 7)` in rules). */
export function findKind(registry: CategoryRegistry, kind: string): Kind | undefined {
  return registry.kind(kind) ?? registry.all().find((c): c is Kind => c.class === 'kind' && c.term === kind);
}

/**
 * Which entity a path names: `/compute/42` → compute, "42". Undefined when the path is not below
 * a kind's collection, or names the collection itself; malformed percent-encoding → undefined.
 */
export function entityAtPath(
  registry: CategoryRegistry,
  path: string,
): { kind: Kind; id: string } | undefined {
  const slash = path.lastIndexOf('/');
  if (slash <= 0 || slash === path.length - 1) return undefined;
  const kind = registry.atLocation(path.slice(0, slash + 1));
  if (kind?.class !== 'kind') return undefined;
  try {
    return { kind, id: decodeURIComponent(path.slice(slash + 1)) };
  } catch {
    return undefined;
  }
}

/** Which entity a location names, relative (`/compute/42`) or absolute (`http://host/compute/42`). */
export function locate(
  registry: CategoryRegistry,
  location: string,
): { kind: string; id: string } | undefined {
  let path = location;
  if (!path.startsWith('/')) {
    try {
      path = new URL(location).pathname;
    } catch {
      return undefined;
    }
  }
  const found = entityAtPath(registry, path);
  return found ? { kind: typeId(found.kind), id: found.id } : undefined;
}
