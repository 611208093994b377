// Renders OCCI documents as application/occi+json (OCCI 1.2 JSON rendering, GFD.226), valid against
// schemas/occi-1.2-json.schema.json and the official schema: categories as a model, entities,
// collections and errors.
import type { AttributeDefinition, AttributeValue, Category, Link, Resource } from '../../occi/model.js';
import { isLink } from '../../occi/model.js';
import type { OcciDocument, RenderContext } from '../document.js';

type JsonObject = Record<string, unknown>;

function attributeDescription(d: AttributeDefinition): JsonObject {
  const out: JsonObject = {
    mutable: d.mutable,
    required: d.required,
    type: d.type === 'integer' ? 'number' : d.type,
  };
  const scalarDefault = d.default !== undefined && typeof d.default !== 'object';
  if (scalarDefault) out.default = d.default;
  if (d.description) out.description = d.description;
  const pattern: JsonObject = {};
  if (d.type === 'integer') pattern.type = 'integer';
  if (d.pattern) Object.assign(pattern, { type: 'string', pattern: d.pattern });
  if (d.enum) pattern.enum = d.enum;
  if (Object.keys(pattern).length)
    out.pattern = { $schema: 'http://json-schema.org/draft-04/schema#', ...pattern };
  return out;
}

function attributeDescriptions(defs: readonly AttributeDefinition[]): JsonObject | undefined {
  if (defs.length === 0) return undefined;
  return Object.fromEntries(defs.map((d) => [d.name, attributeDescription(d)]));
}

export function categoryJson(c: Category, ctx: RenderContext): JsonObject {
  const out: JsonObject = { term: c.term, scheme: c.scheme };
  if (c.title) out.title = c.title;
  const attributes = attributeDescriptions(c.attributes);
  if (attributes) out.attributes = attributes;
  if (c.class === 'kind') {
    if (c.actions.length) out.actions = c.actions;
    if (c.parent) out.parent = c.parent;
    if (c.location) out.location = ctx.url(c.location);
  } else if (c.class === 'mixin') {
    if (c.actions.length) out.actions = c.actions;
    if (c.depends.length) out.depends = c.depends;
    if (c.applies.length) out.applies = c.applies;
    out.location = ctx.url(c.location);
  }
  return out;
}

function attributesOf(e: Resource | Link, ctx: RenderContext): Record<string, AttributeValue> {
  // occi.core.* go both top-level and in attributes: clients read one or the other (rOCCI both).
  const core: Record<string, AttributeValue> = { 'occi.core.id': e.id };
  if (e.title !== undefined) core['occi.core.title'] = e.title;
  if (isLink(e)) {
    core['occi.core.source'] = ctx.url(e.source.location);
    core['occi.core.target'] = ctx.url(e.target.location);
    if (e.target.kind) core['occi.core.target.kind'] = e.target.kind;
  } else if (e.summary !== undefined) {
    core['occi.core.summary'] = e.summary;
  }
  return { ...core, ...e.attributes };
}

/** What resources and links render alike: kind, mixins, attributes, actions, id. */
function entityHead(e: Resource | Link, ctx: RenderContext): JsonObject {
  const out: JsonObject = { kind: e.kind };
  if (e.mixins.length) out.mixins = e.mixins;
  out.attributes = attributesOf(e, ctx);
  if (e.actions.length) out.actions = e.actions;
  out.id = e.id;
  return out;
}

export function linkJson(l: Link, ctx: RenderContext): JsonObject {
  const out = entityHead(l, ctx);
  if (l.title !== undefined) out.title = l.title;
  out.source = { location: ctx.url(l.source.location), ...(l.source.kind ? { kind: l.source.kind } : {}) };
  out.target = { location: ctx.url(l.target.location), ...(l.target.kind ? { kind: l.target.kind } : {}) };
  return out;
}

export function resourceJson(r: Resource, ctx: RenderContext): JsonObject {
  const out = entityHead(r, ctx);
  if (r.links.length) out.links = r.links.map((l) => linkJson(l, ctx));
  if (r.summary !== undefined) out.summary = r.summary;
  if (r.title !== undefined) out.title = r.title;
  return out;
}

export function entityJson(e: Resource | Link, ctx: RenderContext): JsonObject {
  return isLink(e) ? linkJson(e, ctx) : resourceJson(e, ctx);
}

export function jsonDocument(doc: OcciDocument, ctx: RenderContext): unknown {
  switch (doc.type) {
    case 'categories': {
      const pick = <C extends Category['class']>(cls: C) =>
        doc.categories.filter((c) => c.class === cls).map((c) => categoryJson(c, ctx));
      return { kinds: pick('kind'), mixins: pick('mixin'), actions: pick('action') };
    }
    case 'entity':
      return entityJson(doc.entity, ctx);
    case 'collection': {
      const entities = doc.entities;
      const links = entities.filter(isLink);
      const resources = entities.filter((e) => !isLink(e)) as Resource[];
      if (links.length && resources.length) {
        return {
          resources: resources.map((r) => resourceJson(r, ctx)),
          links: links.map((l) => linkJson(l, ctx)),
        };
      }
      if (links.length) return { links: links.map((l) => linkJson(l, ctx)) };
      return { resources: resources.map((r) => resourceJson(r, ctx)) };
    }
    case 'locations':
      // GFD.226 defines no document for "a list of entity instance locations" (what a 201 carries):
      // a bare array of them is rOCCI's form, the one JSON clients read, and what our schema names
      // `entity_locations` (and what this server reads as a mixin membership body).
      return doc.locations.map((l) => ctx.url(l.location));
    case 'ok':
      return undefined;
    case 'error':
      return { error: { code: doc.error.status, message: doc.error.message } };
  }
}
