// What the server answers with, before it is rendered in a media type.
import type { OcciError } from '../occi/errors.js';
import type { Category, KindedLocation, Link, Resource } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';

export type OcciDocument =
  /** The query interface: kinds, mixins and actions. */
  | { type: 'categories'; categories: Category[] }
  | { type: 'entity'; entity: Resource | Link }
  /** A listing: rendered as locations in text, as full entities in JSON. */
  | { type: 'collection'; entities: (Resource | Link)[] }
  /** Where entities are, and of which kind (the answer to a create: OCCI 1.2's 201). */
  | { type: 'locations'; locations: KindedLocation[] }
  /** Success with nothing to show. */
  | { type: 'ok' }
  | { type: 'error'; error: OcciError };

export interface RenderContext {
  /** Resolves a path to the URI to render (absolute when a public base URL is configured). */
  url(path: string): string;
  /** Used to render entity categories with their class and title. */
  registry: CategoryRegistry;
}

export interface Rendered {
  contentType: string;
  headers: [string, string][];
  body: string;
}
