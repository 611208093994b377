// Routing of OCCI requests: from method, path, query and parsed content to the Operation the
// entity service executes, checking the request against the model on the way (pure: no I/O).
import type { Operation } from '../engine/operation.js';
import {
  checkAttributes,
  resolveMixins,
  validateAction,
  validateCreate,
} from '../engine/validate-request.js';
import { badRequest, methodNotAllowed, notFound } from '../occi/errors.js';
import type { AttributeValue, Kind, Mixin } from '../occi/model.js';
import { typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { ParsedRequest } from '../rendering/parsed.js';
import { entityAtPath } from '../occi/locations.js';

export interface RoutedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  parsed: ParsedRequest;
}

function filterOf(parsed: ParsedRequest) {
  return { categories: parsed.categories, attributes: parsed.attributes };
}

/** Whether a path lies above collections (`/`, `/link/`): an unbound path of the name-space. */
function holdsCollections(view: CategoryRegistry, path: string): boolean {
  return (
    path.endsWith('/') &&
    view
      .all()
      .some(
        (c) =>
          c.class !== 'action' &&
          [c.location, ...(c.class === 'kind' ? (c.aliases ?? []) : [])].some((l) => l?.startsWith(path)),
      )
  );
}

export function route(request: RoutedRequest, view: CategoryRegistry): Operation {
  const { method, query, parsed } = request;
  let { path } = request;
  const actionTerm = query.get('action');
  if (query.has('action') && !actionTerm) throw badRequest("query parameter 'action' needs an action term");
  // Collections answer without their trailing '/' too (`POST /compute`): clients of older servers
  // write them so, and do not follow redirects.
  // A collection wins over an entity path that would name it without its '/' (`/link/storagelink`).
  if (!path.endsWith('/')) {
    const slashed = `${path}/`;
    if (view.atLocation(slashed) || (!entityAtPath(view, path) && holdsCollections(view, slashed)))
      path = slashed;
  }
  const collection = view.atLocation(path);
  if (collection) return collectionOperation(method, collection, actionTerm, parsed, view);
  // Malformed percent-encoding never gets here: the server refuses such paths first.
  const entity = entityAtPath(view, path);
  if (entity) return entityOperation(method, { ...entity, location: path }, actionTerm, parsed, view);
  if (holdsCollections(view, path)) {
    if (actionTerm)
      throw badRequest('actions can be triggered on entities and on kind or mixin collections only');
    const ref = { type: 'path' as const, path };
    if (method === 'GET') return { op: 'list', collection: ref, filter: filterOf(parsed) };
    if (method === 'DELETE') return { op: 'delete-all', collection: ref, filter: filterOf(parsed) };
    throw methodNotAllowed(['GET', 'HEAD', 'DELETE']);
  }
  throw notFound(`nothing at '${path}'`);
}

function collectionOperation(
  method: string,
  collection: Kind | Mixin,
  actionTerm: string | null,
  parsed: ParsedRequest,
  view: CategoryRegistry,
): Operation {
  const ref =
    collection.class === 'kind'
      ? { type: 'kind' as const, kind: collection }
      : { type: 'mixin' as const, mixin: collection };
  const allowed =
    collection.class === 'kind'
      ? ['GET', 'HEAD', 'POST', 'DELETE']
      : ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];
  switch (method) {
    case 'GET':
      return { op: 'list', collection: ref, filter: filterOf(parsed) };
    case 'POST':
      if (actionTerm) {
        const actions =
          collection.class === 'kind'
            ? view.effectiveActions(typeId(collection))
            : view.mixinClosure(typeId(collection)).flatMap((m) => m.actions);
        const input = validateAction(parsed, actionTerm, actions, view);
        // The filter is what the request carries besides the action itself.
        const filter = {
          categories: parsed.categories.filter((c) => c.class !== 'action' && !view.action(typeId(c))),
          attributes: {},
        };
        return { op: 'collection-action', collection: ref, input, filter };
      }
      if (collection.class === 'kind')
        return { op: 'create', input: validateCreate(parsed, collection, view) };
      return { op: 'associate', mixin: collection, locations: needLocations(parsed, 'associate with') };
    case 'PUT':
      if (collection.class === 'kind')
        throw methodNotAllowed(allowed, 'PUT is not defined on a kind collection');
      return { op: 'set-members', mixin: collection, locations: parsed.locations };
    case 'DELETE':
      if (collection.class === 'kind') return { op: 'delete-all', collection: ref, filter: filterOf(parsed) };
      return { op: 'dissociate', mixin: collection, locations: needLocations(parsed, 'dissociate from') };
    default:
      throw methodNotAllowed(allowed);
  }
}

function needLocations(parsed: ParsedRequest, verb: string): string[] {
  if (parsed.locations.length === 0)
    throw badRequest(`give the X-OCCI-Location of each entity to ${verb} this mixin`);
  return parsed.locations;
}

function entityOperation(
  method: string,
  entity: { kind: Kind; id: string; location: string },
  actionTerm: string | null,
  parsed: ParsedRequest,
  view: CategoryRegistry,
): Operation {
  const kindId = typeId(entity.kind);
  switch (method) {
    case 'GET':
      return { op: 'get', entity };
    case 'DELETE':
      return { op: 'delete', entity };
    case 'POST': {
      if (actionTerm) {
        const input = validateAction(
          parsed,
          actionTerm,
          view.effectiveActions(kindId, mixinsOf(parsed, view)),
          view,
        );
        return { op: 'action', entity, input };
      }
      const kinds = parsed.categories.filter((c) => c.class === 'kind' || view.kind(typeId(c)));
      for (const k of kinds)
        if (typeId(k) !== kindId) throw badRequest(`the kind of an entity cannot change (to '${typeId(k)}')`);
      const links = entityLinks(parsed, entity.location, view);
      if (links.length && view.isLinkKind(kindId))
        throw badRequest('a link entity cannot carry Link headers');
      const mixins = resolveMixins(
        parsed.categories.filter((c) => !kinds.includes(c)),
        entity.kind,
        view,
      );
      const defs = view.effectiveAttributes(kindId, [...mixins, ...applicableMixins(entity.kind, view)]);
      const immutable: Record<string, AttributeValue> = {};
      const attributes = checkAttributes(parsed.attributes, defs, { context: `kind '${kindId}'`, immutable });
      return { op: 'update', entity, mixins, attributes, links, immutable };
    }
    case 'PUT': {
      const links = entityLinks(parsed, entity.location, view);
      if (links.length && view.isLinkKind(kindId))
        throw badRequest('a link entity cannot carry Link headers');
      const immutable: Record<string, AttributeValue> = {};
      const input = validateCreate({ ...parsed, links }, entity.kind, view, immutable);
      return { op: 'replace', entity, input, immutable };
    }
    default:
      throw methodNotAllowed(['GET', 'HEAD', 'POST', 'PUT', 'DELETE']);
  }
}

/**
 * The Link headers of an update that name links: a GET renders the entity's action links too
 * (`<…/compute/1?action=start>; rel="…#start"`), and a client that sends back what it read sends
 * them; they ask for nothing and are dropped here.
 */
function entityLinks(parsed: ParsedRequest, location: string, view: CategoryRegistry) {
  return parsed.links.filter(
    (l) => !(l.rel.length === 1 && view.action(l.rel[0]!) && l.target.startsWith(`${location}?action=`)),
  );
}

/** Mixins named in a request, known or not (unknown ones are reported where they matter). */
function mixinsOf(parsed: ParsedRequest, view: CategoryRegistry): string[] {
  return parsed.categories.map(typeId).filter((id) => view.mixin(id));
}

/** Every mixin that may be on an entity of this kind, for checking attributes of a partial update. */
function applicableMixins(kind: Kind, view: CategoryRegistry): string[] {
  return view
    .all()
    .filter((c) => c.class === 'mixin' && view.appliesTo(typeId(c), typeId(kind)) && c.applies.length > 0)
    .map(typeId);
}
