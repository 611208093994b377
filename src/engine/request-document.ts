// The `request` object rule expressions see: the OCCI request in plain JSON, with mixins resolved
// (so rules can pick "the mixin that depends on os_tpl") and links' targets resolved to ids.
import type { AttributeValue } from '../occi/model.js';
import { typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { ParsedLink } from '../rendering/parsed.js';
import type { Operation } from './operation.js';

export interface MixinDocument {
  id: string;
  term: string;
  scheme: string;
  title?: string;
  /** Every mixin this one depends on, transitively (type identifiers). */
  depends: string[];
  /** Defaults this mixin gives attributes (templates carry e.g. cores and memory). */
  attributes: Record<string, AttributeValue>;
}

export interface LinkDocument {
  kind?: string;
  mixins: string[];
  target: string;
  targetKind?: string;
  /** Id of the target when it is one of ours (a location under a kind). */
  targetId?: string;
  attributes: Record<string, AttributeValue>;
}

export function mixinDocument(id: string, registry: CategoryRegistry): MixinDocument {
  const closure = registry.mixinClosure(id);
  const self = closure[0];
  const doc: MixinDocument = {
    id,
    term: self?.term ?? id.slice(id.lastIndexOf('#') + 1),
    scheme: self?.scheme ?? id.slice(0, id.lastIndexOf('#') + 1),
    depends: closure.slice(1).map(typeId),
    attributes: {},
  };
  if (self?.title) doc.title = self.title;
  for (const a of self?.attributes ?? []) if (a.default !== undefined) doc.attributes[a.name] = a.default;
  return doc;
}

export function linkDocument(
  link: ParsedLink,
  idOf: (location: string) => { kind: string; id: string } | undefined,
): LinkDocument {
  const [kind, ...mixins] = link.categories;
  const target = idOf(link.target);
  const doc: LinkDocument = { mixins, target: link.target, attributes: link.attributes };
  if (kind) doc.kind = kind;
  const targetKind = link.rel[0] ?? target?.kind;
  if (targetKind) doc.targetKind = targetKind;
  if (target) doc.targetId = target.id;
  return doc;
}

/** Builds the request document for an operation (entity id, kind, mixins, attributes, links, action). */
export function requestDocument(
  operation: Operation,
  registry: CategoryRegistry,
  idOf: (location: string) => { kind: string; id: string } | undefined,
): Record<string, unknown> {
  const doc: Record<string, unknown> = { operation: operation.op };
  const mixins = (ids: readonly string[]) => ids.map((m) => mixinDocument(m, registry));
  switch (operation.op) {
    case 'get':
    case 'delete':
      Object.assign(doc, { id: operation.entity.id, kind: typeId(operation.entity.kind) });
      if (operation.op === 'delete' && operation.bulk) doc.bulk = true;
      break;
    case 'create':
    case 'replace': {
      const input = operation.input;
      if (operation.op === 'replace') doc.id = operation.entity.id;
      Object.assign(doc, {
        kind: typeId(input.kind),
        mixins: mixins(input.mixins),
        attributes: input.attributes,
        links: input.links.map((l) => linkDocument(l, idOf)),
      });
      // A link's ends, resolved: {location, kind, id}.
      for (const [end, name] of [
        ['source', 'occi.core.source'],
        ['target', 'occi.core.target'],
      ] as const) {
        const location = input.attributes[name];
        if (typeof location === 'string') doc[end] = { location, ...idOf(location) };
      }
      break;
    }
    case 'update':
      Object.assign(doc, {
        id: operation.entity.id,
        kind: typeId(operation.entity.kind),
        mixins: mixins(operation.mixins),
        attributes: operation.attributes,
        links: operation.links.map((l) => linkDocument(l, idOf)),
      });
      break;
    case 'action': {
      const defaults: Record<string, AttributeValue> = {};
      for (const a of operation.input.action.attributes)
        if (a.default !== undefined) defaults[a.name] = a.default;
      Object.assign(doc, {
        id: operation.entity.id,
        kind: typeId(operation.entity.kind),
        action: {
          id: typeId(operation.input.action),
          term: operation.input.action.term,
          attributes: { ...defaults, ...operation.input.attributes },
        },
      });
      break;
    }
    case 'associate':
    case 'dissociate':
    case 'set-members':
      Object.assign(doc, {
        mixin: mixinDocument(typeId(operation.mixin), registry),
        targets: operation.locations.map((l) => ({ location: l, ...idOf(l) })),
      });
      break;
    default:
      break;
  }
  return doc;
}
