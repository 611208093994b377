// Users' own mixins (POST and DELETE on the query interface): checking a definition before it is
// kept, and removing one. User mixins are tags: term, scheme, location, optional title, depends
// and applies; they carry no attributes or actions of their own.
import { badRequest, conflict, forbidden, notFound, OcciError } from '../occi/errors.js';
import type { Mixin } from '../occi/model.js';
import { RESERVED_SCHEME_PREFIX, typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { ParsedCategory } from '../rendering/parsed.js';
import { TERM } from '../rendering/text/parse-values.js';

const LOCATION = /^\/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]+\/)+$/;
const RESERVED_LOCATIONS = ['/-/', '/.well-known/', '/_admin/'];

/** Checks new mixin definitions against the caller's current view; returns the mixins to add. */
export function checkNewUserMixins(
  categories: readonly ParsedCategory[],
  view: CategoryRegistry,
  owned: readonly Mixin[],
  maxOwned: number,
  /** The provider mixin the rules want every user mixin to depend on (how they reach the backend). */
  base?: string,
): Mixin[] {
  if (categories.length === 0) throw badRequest('POST /-/ needs at least one Category defining a mixin');
  const added: Mixin[] = [];
  const locations = new Set<string>();
  for (const c of categories) {
    const id = typeId(c);
    // JSON bodies do not pass through the text parser's checks: apply the same rules here.
    if (!TERM.test(c.term)) throw badRequest(`Category '${id}': invalid term '${c.term.slice(0, 60)}'`);
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s#]*#$/.test(c.scheme)) {
      throw badRequest(`Category '${id}': scheme must be a URI ending in '#'`);
    }
    if (c.title !== undefined && /[\u0000-\u001f\u007f]/.test(c.title))
      throw badRequest(`Category '${id}': title has control characters`);
    if (c.class && c.class !== 'mixin')
      throw badRequest(`Category '${id}': only mixins can be added, not a ${c.class}`);
    if (c.scheme.startsWith(RESERVED_SCHEME_PREFIX)) {
      throw badRequest(`Category '${id}': schemes under ${RESERVED_SCHEME_PREFIX} are reserved to OCCI`);
    }
    if (!c.location) throw badRequest(`Category '${id}': a user mixin needs a location`);
    const location = locationPath(c.location);
    if (!LOCATION.test(location)) {
      throw badRequest(`Category '${id}': location '${c.location}' must be an absolute path ending in '/'`);
    }
    if (RESERVED_LOCATIONS.some((r) => location.startsWith(r))) {
      throw badRequest(`Category '${id}': location '${location}' is reserved`);
    }
    if (c.attributes?.length)
      throw badRequest(`Category '${id}': user mixins are tags and cannot define attributes`);
    if (c.actions?.length)
      throw badRequest(`Category '${id}': user mixins are tags and cannot define actions`);
    if (view.get(id) || added.some((m) => typeId(m) === id))
      throw conflict(`Category '${id}' already exists`);
    const taken = view.atLocation(location);
    if (taken || locations.has(location)) {
      throw conflict(`location '${location}' is already used${taken ? ` by '${typeId(taken)}'` : ''}`);
    }
    for (const kind of view.all()) {
      if (kind.class === 'kind' && kind.location && location.startsWith(kind.location)) {
        throw conflict(`location '${location}' is inside the collection of kind '${typeId(kind)}'`);
      }
    }
    for (const d of c.rel)
      if (!view.mixin(d)) throw badRequest(`Category '${id}': depends on unknown mixin '${d}'`);
    for (const k of c.applies ?? [])
      if (!view.kind(k)) throw badRequest(`Category '${id}': applies to unknown kind '${k}'`);
    locations.add(location);
    added.push({
      class: 'mixin',
      term: c.term,
      scheme: c.scheme,
      ...(c.title ? { title: c.title } : {}),
      location,
      depends: base && !c.rel.includes(base) ? [...c.rel, base] : c.rel,
      applies: c.applies ?? [],
      attributes: [],
      actions: [],
    });
  }
  if (owned.length + added.length > maxOwned) {
    throw forbidden(`a user may own at most ${maxOwned} mixins; delete some first`);
  }
  return added;
}

/** Which of the caller's mixins a DELETE /-/ removes; provider categories are 403, unknown 404. */
export function checkRemovedUserMixins(
  categories: readonly ParsedCategory[],
  view: CategoryRegistry,
  owned: readonly Mixin[],
): Set<string> {
  if (categories.length === 0) throw badRequest('DELETE /-/ needs the Category of the mixin to remove');
  const removed = new Set<string>();
  for (const c of categories) {
    const id = typeId(c);
    if (owned.some((m) => typeId(m) === id)) {
      removed.add(id);
      continue;
    }
    if (view.get(id)) throw forbidden(`Category '${id}' belongs to the provider and cannot be removed`);
    throw notFound(`Category '${id}' is not one of your mixins`);
  }
  return removed;
}

/** Accepts absolute URLs in locations (clients render them so) by keeping only the path. */
function locationPath(location: string): string {
  if (location.startsWith('/')) return location;
  try {
    return new URL(location).pathname;
  } catch {
    throw new OcciError(400, `location '${location}' is neither a path nor a URL`);
  }
}
