// What an update (POST or PUT on an entity) changes, compared with the entity as it is: clients
// send back what they read, so immutable attributes that are unchanged and links the entity
// already has are fine; only a change to an immutable attribute is refused, naming it. Pure.
import { forbiddenIn11 } from '../occi/errors.js';
import { locate } from '../occi/locations.js';
import type { AttributeValue, Link, Resource } from '../occi/model.js';
import { isLink } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { ParsedLink } from '../rendering/parsed.js';

type Entity = Resource | Link;

/** The value an entity has for an attribute, core attributes included, as a GET renders it. */
export function currentValue(entity: Entity, name: string): AttributeValue | undefined {
  switch (name) {
    case 'occi.core.id':
      return entity.id;
    case 'occi.core.title':
      return entity.title;
    case 'occi.core.summary':
      return isLink(entity) ? undefined : entity.summary;
  }
  if (isLink(entity)) {
    if (name === 'occi.core.source') return entity.source.location;
    if (name === 'occi.core.target') return entity.target.location;
    if (name === 'occi.core.source.kind') return entity.source.kind;
    if (name === 'occi.core.target.kind') return entity.target.kind;
  }
  return entity.attributes[name];
}

/** Whether two attribute values are the same (text renderings carry numbers and booleans as text). */
export function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return String(a) === String(b);
}

/** Locations compare by what they name (an alias path and the canonical one are the same entity). */
function sameLocation(
  registry: CategoryRegistry,
  a: AttributeValue | undefined,
  b: AttributeValue | undefined,
) {
  if (typeof a !== 'string' || typeof b !== 'string') return sameValue(a, b);
  const x = locate(registry, a);
  const y = locate(registry, b);
  return x && y ? x.kind === y.kind && x.id === y.id : a === b;
}

const LOCATION_ATTRIBUTES = new Set(['occi.core.source', 'occi.core.target']);

/** Refuses (400; 403 for OCCI 1.1) the first immutable attribute whose value differs from the entity's. */
export function checkUnchanged(
  immutable: Record<string, AttributeValue>,
  entity: Entity,
  registry: CategoryRegistry,
): void {
  for (const [name, value] of Object.entries(immutable)) {
    const now = currentValue(entity, name);
    const same = LOCATION_ATTRIBUTES.has(name) ? sameLocation(registry, value, now) : sameValue(value, now);
    if (!same)
      throw forbiddenIn11(
        `attribute '${name}' is immutable: it is ${now === undefined ? 'not set' : JSON.stringify(now)}, not ${JSON.stringify(value)} (the server manages it)`,
      );
  }
}

/** Which of the entity's links a Link of the request names: by its `self`, else by target and kind. */
export function existingLink(
  link: ParsedLink,
  entity: Resource,
  registry: CategoryRegistry,
): Link | undefined {
  const self = link.self ? locate(registry, link.self) : undefined;
  if (self) return entity.links.find((l) => l.kind === self.kind && l.id === self.id);
  if (link.self) return undefined;
  const kind = link.categories[0];
  return entity.links.find(
    (l) => sameLocation(registry, l.target.location, link.target) && (!kind || l.kind === kind),
  );
}

/** Whether the mutable attributes given differ from the entity's. */
export function changesAttributes(attributes: Record<string, AttributeValue>, entity: Entity): boolean {
  return Object.entries(attributes).some(([name, value]) => !sameValue(value, currentValue(entity, name)));
}
