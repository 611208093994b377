// The neutral form every request rendering (text/plain, text/occi, application/occi+json) is parsed
// into, so that nothing after parsing depends on the media type.
import type { AttributeDefinition, AttributeValue, CategoryClass } from '../occi/model.js';

export interface ParsedCategory {
  term: string;
  scheme: string;
  /** Absent when the client left it out (allowed in filters). */
  class?: CategoryClass;
  title?: string;
  /** Type identifiers: Kind parent, Mixin depends (1.1 `rel`). */
  rel: string[];
  /** Kinds a mixin applies to (JSON only). */
  applies?: string[];
  location?: string;
  /** Attribute definitions, for category definitions (POST /-/). */
  attributes?: AttributeDefinition[];
  actions?: string[];
}

export interface ParsedLink {
  /** Target location (the URI between < and >). */
  target: string;
  /** Target kind(s) (`rel`). */
  rel: string[];
  /** The link's own location (`self`), if the client gave one. */
  self?: string;
  /** Kind and mixins of the link (`category`). */
  categories: string[];
  attributes: Record<string, AttributeValue>;
  /** Set when the source is given explicitly (JSON links). */
  source?: string;
  id?: string;
}

export interface ParsedRequest {
  categories: ParsedCategory[];
  links: ParsedLink[];
  attributes: Record<string, AttributeValue>;
  locations: string[];
  /** The entity id given in a JSON body (`id`), if any. */
  id?: string;
}

export function emptyParsedRequest(): ParsedRequest {
  return { categories: [], links: [], attributes: Object.create(null), locations: [] };
}
