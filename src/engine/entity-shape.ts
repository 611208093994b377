// Turns what a rule's `result` expression yields into OCCI entities: ids as strings, locations
// derived from the kind, null attributes dropped, links completed with their source, and the
// actions defaulting to those the kind and mixins offer. A malformed result is the rule's fault.
import { OcciError } from '../occi/errors.js';
import type { AttributeValue, Kind, Link, Resource } from '../occi/model.js';
import { typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function strings(v: unknown): string[] {
  return asList(v).filter((x): x is string => typeof x === 'string');
}

function attributes(v: unknown): Record<string, AttributeValue> {
  if (!isObj(v)) return {};
  const out: Record<string, AttributeValue> = {};
  for (const [k, value] of Object.entries(v)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'number' && !Number.isFinite(value)) continue;
    out[k] = value as AttributeValue;
  }
  return out;
}

export function entityLocation(kind: Kind, id: string): string {
  return `${kind.location ?? '/'}${encodeURIComponent(id)}`;
}

function idString(v: unknown, what: string): string {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new OcciError(502, `${what}: the result has no id`);
}

/** What resources and links take alike from a result: kind, mixins, id, location, attributes, actions. */
function entityHead(raw: Obj, kind: Kind, id: string, mixins: string[], registry: CategoryRegistry) {
  return {
    kind: typeId(kind),
    mixins,
    id,
    location: entityLocation(kind, id),
    attributes: attributes(raw.attributes),
    actions:
      raw.actions === undefined ? registry.effectiveActions(typeId(kind), mixins) : strings(raw.actions),
  };
}

export function shapeLink(
  raw: unknown,
  defaultKind: Kind | undefined,
  source: { location: string; kind?: string } | undefined,
  registry: CategoryRegistry,
  what: string,
): Link {
  if (!isObj(raw)) throw new OcciError(502, `${what}: a link is not an object`);
  const kind = (typeof raw.kind === 'string' ? registry.kind(raw.kind) : undefined) ?? defaultKind;
  if (!kind) throw new OcciError(502, `${what}: a link has no known kind`);
  const id = idString(raw.id, what);
  const mixins = strings(raw.mixins);
  const target = isObj(raw.target) ? raw.target : { location: raw.target };
  if (typeof target.location !== 'string') throw new OcciError(502, `${what}: link ${id} has no target`);
  const src = source ?? (isObj(raw.source) ? raw.source : { location: raw.source });
  if (typeof src.location !== 'string') throw new OcciError(502, `${what}: link ${id} has no source`);
  const link: Link = {
    ...entityHead(raw, kind, id, mixins, registry),
    source: { location: src.location, ...(typeof src.kind === 'string' ? { kind: src.kind } : {}) },
    target: { location: target.location, ...(typeof target.kind === 'string' ? { kind: target.kind } : {}) },
  };
  if (typeof raw.title === 'string') link.title = raw.title;
  return link;
}

export function shapeEntity(
  raw: unknown,
  kind: Kind,
  registry: CategoryRegistry,
  what: string,
): Resource | Link {
  if (!isObj(raw)) throw new OcciError(502, `${what}: the result is not an entity object`);
  if (registry.isLinkKind(typeId(kind))) return shapeLink(raw, kind, undefined, registry, what);
  const id = idString(raw.id, what);
  const mixins = strings(raw.mixins);
  const location = entityLocation(kind, id);
  const resource: Resource = {
    ...entityHead(raw, kind, id, mixins, registry),
    links: asList(raw.links).map((l) =>
      shapeLink(l, undefined, { location, kind: typeId(kind) }, registry, what),
    ),
  };
  if (typeof raw.title === 'string') resource.title = raw.title;
  if (typeof raw.summary === 'string') resource.summary = raw.summary;
  return resource;
}

export function shapeEntities(
  raw: unknown,
  kind: Kind,
  registry: CategoryRegistry,
  what: string,
): (Resource | Link)[] {
  return asList(raw).map((r) => shapeEntity(r, kind, registry, what));
}
