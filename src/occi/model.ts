// The OCCI core model: categories (kinds, mixins, actions), attribute definitions and entities.
// Pure data types and helpers: no HTTP, no rendering, no backend.

/** A value an OCCI attribute can hold (OCCI 1.2: string, number, boolean, array, object). */
export type AttributeValue = string | number | boolean | AttributeValue[] | { [key: string]: AttributeValue };

export type AttributeType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  mutable: boolean;
  required: boolean;
  default?: AttributeValue;
  description?: string;
  /** An ECMAScript regular expression (ERE-compatible subset) that string values must match. */
  pattern?: string;
  /** Allowed values, for enumerations such as occi.compute.state. */
  enum?: string[];
  /** Another spelling of this attribute (older clients'): it satisfies that one's `required`. */
  aliasOf?: string;
}

export type CategoryClass = 'kind' | 'mixin' | 'action';

export interface CategoryBase {
  term: string;
  scheme: string;
  title?: string;
  /** Attribute definitions in declaration order. */
  attributes: AttributeDefinition[];
}

export interface Kind extends CategoryBase {
  class: 'kind';
  parent?: string;
  /** For link kinds: the kinds a link of this kind may start from (sub-kinds included); any when absent. */
  source?: string[];
  /** For link kinds: the kinds a link of this kind may point to (sub-kinds included); any when absent. */
  target?: string[];
  actions: string[];
  /** Collection path, ending in '/'; absent for abstract kinds (entity). */
  location?: string;
  /**
   * Other collection paths that also reach this kind (e.g. an older server's), each ending in
   * '/'. Requests may use them; the server always renders `location`.
   */
  aliases?: string[];
}

export interface Mixin extends CategoryBase {
  class: 'mixin';
  depends: string[];
  applies: string[];
  actions: string[];
  location: string;
}

export interface Action extends CategoryBase {
  class: 'action';
  /** Attributes clients send from habit although the action does not define them: ignored. */
  tolerates?: string[];
}

export type Category = Kind | Mixin | Action;

/** The unique type identifier of a category: scheme followed by term. */
export function typeId(category: { scheme: string; term: string }): string {
  return category.scheme + category.term;
}

/** Splits a type identifier at its last '#'; undefined when it has none. */
export function splitTypeId(id: string): { scheme: string; term: string } | undefined {
  const hash = id.lastIndexOf('#');
  if (hash < 0) return undefined;
  return { scheme: id.slice(0, hash + 1), term: id.slice(hash + 1) };
}

export const CORE_SCHEME = 'http://schemas.ogf.org/occi/core#';
export const INFRA_SCHEME = 'http://schemas.ogf.org/occi/infrastructure#';
export const ENTITY = `${CORE_SCHEME}entity`;
export const RESOURCE = `${CORE_SCHEME}resource`;
export const LINK = `${CORE_SCHEME}link`;
/** Schemes below this prefix are reserved to the OCCI specification (GFD.221). */
export const RESERVED_SCHEME_PREFIX = 'http://schemas.ogf.org/occi/';

/** Where a link points: a location and, when known, the kind of what is there. */
export interface KindedLocation {
  location: string;
  kind?: string;
}

/** An OCCI entity instance as the engine produces it and the renderers render it. */
export interface Entity {
  kind: string;
  mixins: string[];
  /** occi.core.id */
  id: string;
  location: string;
  title?: string;
  /** All other attributes, keyed by their full name (occi.compute.cores...). */
  attributes: Record<string, AttributeValue>;
  /** Type identifiers of the actions applicable now. */
  actions: string[];
}

export interface Resource extends Entity {
  summary?: string;
  links: Link[];
}

export interface Link extends Entity {
  source: KindedLocation;
  target: KindedLocation;
}

export function isLink(entity: Resource | Link): entity is Link {
  return 'source' in entity && 'target' in entity;
}
