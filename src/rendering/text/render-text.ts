// Renders OCCI documents as text fields (Category, Link, X-OCCI-Attribute, X-OCCI-Location):
// the body lines of text/plain or the headers of text/occi.
import type { AttributeDefinition, AttributeValue, Category, Link, Resource } from '../../occi/model.js';
import { isLink } from '../../occi/model.js';
import type { OcciDocument, RenderContext } from '../document.js';
import { quote } from './quoting.js';

export type Field = [name: string, value: string];

/** A URI fit for `<…>` and X-OCCI-Location: anything outside printable ASCII, and `<>"` and space, percent-encoded. */
export function safeUri(uri: string): string {
  return uri.replace(/[^\x21-\x7e]|[<>"]/g, (ch) => encodeURIComponent(ch));
}

/** A term fit for a header: the 1.2 term characters kept, anything else percent-encoded. */
function safeTerm(term: string): string {
  return term.replace(/[^A-Za-z0-9._~-]/g, (ch) => encodeURIComponent(ch));
}

function attributeDefinitions(defs: readonly AttributeDefinition[]): string {
  return defs
    .map((d) => {
      const props = [d.mutable ? '' : 'immutable', d.required ? 'required' : ''].filter(Boolean);
      return props.length ? `${d.name}{${props.join(' ')}}` : d.name;
    })
    .join(' ');
}

export function renderCategory(c: Category, ctx: RenderContext, ascii: boolean): string {
  const q = (s: string) => quote(s, ascii);
  let out = `${safeTerm(c.term)}; scheme=${q(c.scheme)}; class=${q(c.class)}`;
  if (c.title) out += `; title=${q(c.title)}`;
  const rel = c.class === 'kind' ? c.parent : c.class === 'mixin' ? c.depends[0] : undefined;
  if (rel) out += `; rel=${q(rel)}`;
  if (c.class !== 'action' && c.location) out += `; location=${q(ctx.url(c.location))}`;
  if (c.attributes.length) out += `; attributes=${q(attributeDefinitions(c.attributes))}`;
  if (c.class !== 'action' && c.actions.length) out += `; actions=${q(c.actions.join(' '))}`;
  return out;
}

/** Renders a value for `name=value`; text cannot carry arrays or objects, so they go as JSON strings. */
export function renderValue(v: AttributeValue, ascii: boolean): string {
  if (typeof v === 'string') return quote(v, ascii);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : quote(String(v), ascii);
  if (typeof v === 'boolean') return String(v);
  return quote(JSON.stringify(v), ascii);
}

function entityCategory(id: string, ctx: RenderContext, ascii: boolean): string {
  const c = ctx.registry.get(id);
  const hash = id.lastIndexOf('#');
  const term = c?.term ?? id.slice(hash + 1);
  const scheme = c?.scheme ?? id.slice(0, hash + 1);
  const cls = c?.class ?? 'mixin';
  let out = `${safeTerm(term)}; scheme=${quote(scheme, ascii)}; class=${quote(cls, ascii)}`;
  if (c?.title) out += `; title=${quote(c.title, ascii)}`;
  return out;
}

function coreAttributes(e: Resource | Link, ctx: RenderContext): [string, AttributeValue][] {
  const out: [string, AttributeValue][] = [['occi.core.id', e.id]];
  if (e.title !== undefined) out.push(['occi.core.title', e.title]);
  if (isLink(e)) {
    out.push(['occi.core.source', ctx.url(e.source.location)]);
    if (e.source.kind) out.push(['occi.core.source.kind', e.source.kind]);
    out.push(['occi.core.target', ctx.url(e.target.location)]);
    if (e.target.kind) out.push(['occi.core.target.kind', e.target.kind]);
  } else if (e.summary !== undefined) {
    out.push(['occi.core.summary', e.summary]);
  }
  return out;
}

function allAttributes(e: Resource | Link, ctx: RenderContext): [string, AttributeValue][] {
  const core = coreAttributes(e, ctx);
  const seen = new Set(core.map(([n]) => n));
  return [...core, ...Object.entries(e.attributes).filter(([n]) => !seen.has(n))];
}

function renderLinkRef(l: Link, ctx: RenderContext, ascii: boolean): string {
  const q = (s: string) => quote(s, ascii);
  let out = `<${safeUri(ctx.url(l.target.location))}>; rel=${q(l.target.kind ?? l.kind)}; self=${q(ctx.url(l.location))}`;
  out += `; category=${q([l.kind, ...l.mixins].join(' '))}`;
  for (const [name, value] of allAttributes(l, ctx)) {
    if (name === 'occi.core.source' || name === 'occi.core.target' || name === 'occi.core.target.kind')
      continue;
    out += `; ${name}=${renderValue(value, ascii)}`;
  }
  return out;
}

export function renderActionLink(
  entityLocation: string,
  action: string,
  ctx: RenderContext,
  ascii: boolean,
): string {
  const term = action.slice(action.lastIndexOf('#') + 1);
  return `<${safeUri(ctx.url(entityLocation))}?action=${safeTerm(term)}>; rel=${quote(action, ascii)}`;
}

function entityFields(e: Resource | Link, ctx: RenderContext, ascii: boolean): Field[] {
  const fields: Field[] = [['Category', entityCategory(e.kind, ctx, ascii)]];
  for (const m of e.mixins) fields.push(['Category', entityCategory(m, ctx, ascii)]);
  if (!isLink(e)) for (const l of e.links) fields.push(['Link', renderLinkRef(l, ctx, ascii)]);
  for (const a of e.actions) fields.push(['Link', renderActionLink(e.location, a, ctx, ascii)]);
  for (const [name, value] of allAttributes(e, ctx))
    fields.push(['X-OCCI-Attribute', `${name}=${renderValue(value, ascii)}`]);
  return fields;
}

/** The text fields of a document; `ascii` escapes everything outside printable ASCII (for headers). */
export function textFields(doc: OcciDocument, ctx: RenderContext, ascii: boolean): Field[] {
  switch (doc.type) {
    case 'categories':
      return doc.categories.map((c) => ['Category', renderCategory(c, ctx, ascii)]);
    case 'entity':
      return entityFields(doc.entity, ctx, ascii);
    case 'collection':
      return doc.entities.map((e) => ['X-OCCI-Location', safeUri(ctx.url(e.location))]);
    case 'locations':
      return doc.locations.map((l) => ['X-OCCI-Location', safeUri(ctx.url(l.location))]);
    case 'ok':
    case 'error':
      return [];
  }
}

/** Longest header line a folded field may grow to: well below what HTTP clients accept per line. */
export const MAX_FOLDED_LINE = 8000;

/**
 * Folds repeated fields into comma-separated lines (RFC 7230 §3.2.2; OCCI: "both formats MUST be
 * supported", the comma form RECOMMENDED for text/occi), so that no answer has more than a handful
 * of header lines: Python's http.client refuses more than 100. A line is cut before it would pass
 * `maxLine` bytes (a 1000-entity listing becomes a few X-OCCI-Location lines), never inside a value.
 */
export function foldFields(fields: readonly Field[], maxLine = MAX_FOLDED_LINE): Field[] {
  const out: Field[] = [];
  const open = new Map<string, number>();
  for (const [name, value] of fields) {
    const at = open.get(name);
    if (at !== undefined && out[at]![1].length + 2 + value.length <= maxLine) {
      out[at]![1] += `, ${value}`;
      continue;
    }
    open.set(name, out.length);
    out.push([name, value]);
  }
  return out;
}
