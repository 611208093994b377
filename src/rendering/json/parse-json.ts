// Parses application/occi+json request bodies (OCCI 1.2 JSON rendering) into the neutral
// ParsedRequest: a resource, a link, an action invocation, category definitions (kind/mixin/
// action objects or collections of them), mixin identifier lists, or entity collections.
import { badRequest } from '../../occi/errors.js';
import type { AttributeDefinition, AttributeType, AttributeValue, CategoryClass } from '../../occi/model.js';
import { splitTypeId } from '../../occi/model.js';
import { emptyParsedRequest, type ParsedCategory, type ParsedLink, type ParsedRequest } from '../parsed.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export const MAX_JSON_DEPTH = 64;

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function depth(v: Json, limit: number): number {
  if (typeof v !== 'object' || v === null) return 0;
  if (limit <= 0) return 1;
  let max = 0;
  for (const child of Array.isArray(v) ? v : Object.values(v)) max = Math.max(max, depth(child, limit - 1));
  return max + 1;
}

function str(where: string, v: Json | undefined): string {
  if (typeof v !== 'string') throw badRequest(`JSON body: ${where} must be a string`);
  return v;
}

function optStr(where: string, v: Json | undefined): string | undefined {
  return v === undefined ? undefined : str(where, v);
}

function strings(where: string, v: Json | undefined): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw badRequest(`JSON body: ${where} must be an array of strings`);
  return v as string[];
}

function typeIdToCategory(where: string, id: string, cls: CategoryClass): ParsedCategory {
  const parts = splitTypeId(id);
  if (!parts || parts.term === '')
    throw badRequest(`JSON body: ${where} '${id}' is not a type identifier (scheme#term)`);
  return { ...parts, class: cls, rel: [] };
}

function attributes(where: string, v: Json | undefined): Record<string, AttributeValue> {
  if (v === undefined) return {};
  if (!isObject(v)) throw badRequest(`JSON body: ${where} must be an object`);
  const out: Record<string, AttributeValue> = Object.create(null);
  for (const [name, value] of Object.entries(v)) {
    if (value === null) throw badRequest(`JSON body: attribute '${name}' is null`);
    out[name] = value as AttributeValue;
  }
  return out;
}

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

function attributeDefinitions(where: string, v: Json | undefined): AttributeDefinition[] {
  if (v === undefined) return [];
  if (!isObject(v)) throw badRequest(`JSON body: ${where} must be an object`);
  return Object.entries(v).map(([name, d]) => {
    if (!isObject(d)) throw badRequest(`JSON body: definition of attribute '${name}' must be an object`);
    const type = d.type ?? 'string';
    if (typeof type !== 'string' || !TYPES.has(type))
      throw badRequest(`JSON body: attribute '${name}' has unknown type '${String(type)}'`);
    const def: AttributeDefinition = {
      name,
      type: type as AttributeType,
      mutable: d.mutable === undefined ? true : d.mutable === true,
      required: d.required === true,
    };
    if (d.default !== undefined && d.default !== null) def.default = d.default as AttributeValue;
    if (typeof d.description === 'string') def.description = d.description;
    if (isObject(d.pattern) && typeof d.pattern.pattern === 'string') def.pattern = d.pattern.pattern;
    return def;
  });
}

function categoryDefinition(where: string, o: JsonObject, cls: CategoryClass): ParsedCategory {
  const c: ParsedCategory = {
    term: str(`${where}.term`, o.term),
    scheme: str(`${where}.scheme`, o.scheme),
    class: cls,
    rel: [],
  };
  const title = optStr(`${where}.title`, o.title);
  if (title !== undefined) c.title = title;
  const location = optStr(`${where}.location`, o.location);
  if (location !== undefined) c.location = location;
  if (cls === 'kind' && o.parent !== undefined) c.rel = [str(`${where}.parent`, o.parent)];
  if (cls === 'mixin') {
    c.rel = strings(`${where}.depends`, o.depends);
    c.applies = strings(`${where}.applies`, o.applies);
  }
  if (o.attributes !== undefined) c.attributes = attributeDefinitions(`${where}.attributes`, o.attributes);
  if (o.actions !== undefined) c.actions = strings(`${where}.actions`, o.actions);
  return c;
}

function location(where: string, v: Json | undefined): string {
  if (isObject(v)) return str(`${where}.location`, v.location);
  return str(where, v);
}

function parseLinkObject(where: string, o: JsonObject): ParsedLink {
  const target = o.target;
  const link: ParsedLink = {
    target: location(`${where}.target`, target),
    rel: isObject(target) && typeof target.kind === 'string' ? [target.kind] : [],
    categories: [
      ...(o.kind === undefined ? [] : [str(`${where}.kind`, o.kind)]),
      ...strings(`${where}.mixins`, o.mixins),
    ],
    attributes: attributes(`${where}.attributes`, o.attributes),
  };
  if (o.source !== undefined) link.source = location(`${where}.source`, o.source);
  if (o.id !== undefined) link.id = str(`${where}.id`, o.id);
  if (typeof o.rel === 'string' && link.rel.length === 0) link.rel = [o.rel];
  const title = optStr(`${where}.title`, o.title);
  if (title !== undefined) link.attributes['occi.core.title'] = title;
  return link;
}

function parseEntity(o: JsonObject, into: ParsedRequest): void {
  into.categories.push(typeIdToCategory('kind', str('kind', o.kind), 'kind'));
  for (const m of strings('mixins', o.mixins)) into.categories.push(typeIdToCategory('mixin', m, 'mixin'));
  Object.assign(into.attributes, attributes('attributes', o.attributes));
  const title = optStr('title', o.title);
  if (title !== undefined) into.attributes['occi.core.title'] = title;
  const summary = optStr('summary', o.summary);
  if (summary !== undefined) into.attributes['occi.core.summary'] = summary;
  if (o.id !== undefined) into.id = str('id', o.id);
  if (o.source !== undefined) into.attributes['occi.core.source'] = location('source', o.source);
  if (o.target !== undefined) {
    into.attributes['occi.core.target'] = location('target', o.target);
    if (isObject(o.target) && typeof o.target.kind === 'string')
      into.attributes['occi.core.target.kind'] = o.target.kind;
  }
  if (o.links !== undefined) {
    if (!Array.isArray(o.links)) throw badRequest('JSON body: links must be an array');
    o.links.forEach((l, i) => {
      if (!isObject(l)) throw badRequest(`JSON body: links[${i}] must be an object`);
      into.links.push(parseLinkObject(`links[${i}]`, l));
    });
  }
}

function collectLocations(where: string, items: Json, into: ParsedRequest): void {
  if (!Array.isArray(items)) throw badRequest(`JSON body: ${where} must be an array`);
  items.forEach((item, i) => {
    if (typeof item === 'string') into.locations.push(item);
    else if (isObject(item) && typeof item.location === 'string') into.locations.push(item.location);
    else if (isObject(item) && typeof item.id === 'string') into.locations.push(item.id);
    else
      throw badRequest(
        `JSON body: ${where}[${i}] must be a location string or an entity with a location or id`,
      );
  });
}

/** Parses a JSON request body; `text` is the raw body. */
export function parseJsonBody(text: string, into = emptyParsedRequest()): ParsedRequest {
  if (text.trim() === '') return into;
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (e) {
    throw badRequest(`JSON body: not valid JSON (${e instanceof Error ? e.message : 'parse error'})`);
  }
  if (depth(doc, MAX_JSON_DEPTH + 1) > MAX_JSON_DEPTH)
    throw badRequest(`JSON body: nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(doc)) {
    collectLocations('body', doc, into);
    return into;
  }
  if (!isObject(doc)) throw badRequest('JSON body: expected an object');
  if (doc.action !== undefined) {
    into.categories.push(typeIdToCategory('action', str('action', doc.action), 'action'));
    Object.assign(into.attributes, attributes('attributes', doc.attributes));
    return into;
  }
  if (doc.kind !== undefined) {
    parseEntity(doc, into);
    return into;
  }
  if (doc.term !== undefined) {
    // A single category definition: a mixin unless it says otherwise by its shape.
    into.categories.push(categoryDefinition('category', doc, doc.parent !== undefined ? 'kind' : 'mixin'));
    return into;
  }
  let recognised = false;
  for (const [key, cls] of [
    ['kinds', 'kind'],
    ['mixins', 'mixin'],
    ['actions', 'action'],
  ] as const) {
    const list = doc[key];
    if (list === undefined) continue;
    recognised = true;
    if (!Array.isArray(list)) throw badRequest(`JSON body: ${key} must be an array`);
    list.forEach((item, i) => {
      if (typeof item === 'string') into.categories.push(typeIdToCategory(`${key}[${i}]`, item, cls));
      else if (isObject(item)) into.categories.push(categoryDefinition(`${key}[${i}]`, item, cls));
      else throw badRequest(`JSON body: ${key}[${i}] must be a category or a type identifier`);
    });
  }
  // A partial update may carry attributes (and mixins) without repeating the kind.
  if (doc.attributes !== undefined) {
    recognised = true;
    Object.assign(into.attributes, attributes('attributes', doc.attributes));
  }
  for (const key of ['resources', 'links', 'locations'] as const) {
    if (doc[key] === undefined) continue;
    recognised = true;
    collectLocations(key, doc[key], into);
  }
  if (!recognised) {
    throw badRequest(
      `JSON body: unrecognised document with keys ${Object.keys(doc).slice(0, 5).join(', ') || '(none)'}`,
    );
  }
  return into;
}
