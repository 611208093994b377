// Parsers for the values of the OCCI text headers: Category, Link, X-OCCI-Attribute and
// X-OCCI-Location. Lenient in what they accept (1.2 terms starting with digits, unquoted class,
// trailing ';', spaces around '='), precise in what they reject: every error names the header.
import type { AttributeDefinition, AttributeValue, CategoryClass } from '../../occi/model.js';
import { badRequest } from '../../occi/errors.js';
import type { ParsedCategory, ParsedLink } from '../parsed.js';
import { isQuoted, splitOutsideQuotes, UnbalancedQuotes, unquote } from './quoting.js';

/** OCCI 1.2 term: ( ALPHA | DIGIT ) *( ALPHA | DIGIT | "-" | "_" | "." ). */
export const TERM = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Attribute names: dot-separated 1.2 terms (action parameters such as `method` included). */
export const ATTRIBUTE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const CLASSES = new Set(['kind', 'mixin', 'action']);

function split(header: string, value: string, separator: string): string[] {
  try {
    return splitOutsideQuotes(value, separator);
  } catch (e) {
    if (e instanceof UnbalancedQuotes)
      throw badRequest(`${header} header: unbalanced quotes in '${clip(value)}'`);
    throw e;
  }
}

/** Shortens a value for an error message (and keeps control characters out of it). */
export function clip(value: string, max = 80): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Splits a header value at commas outside quotes: comma-joined and repeated headers are equivalent. */
export function splitHeaderValues(header: string, value: string): string[] {
  return split(header, value, ',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** Parses `key=value` parameters; values may be quoted strings or tokens. */
function parseParams(header: string, parts: string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') continue; // trailing ';'
    const eq = part.indexOf('=');
    if (eq <= 0) throw badRequest(`${header} header: expected key=value, got '${clip(part)}'`);
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    params.set(key, isQuoted(value) ? unquote(value) : value);
  }
  return params;
}

/** Splits `a b{immutable required} c` at white space outside braces (linear, no backtracking). */
function splitDefinitions(list: string): string[] {
  const items: string[] = [];
  let current = '';
  let depth = 0;
  for (const ch of list) {
    if (ch === '{') depth++;
    else if (ch === '}') depth = Math.max(0, depth - 1);
    if (depth === 0 && (ch === ' ' || ch === '\t')) {
      if (current) items.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) items.push(current);
  return items;
}

function parseAttributeDefinitions(list: string): AttributeDefinition[] {
  const defs: AttributeDefinition[] = [];
  for (const item of splitDefinitions(list)) {
    const m = /^([^{}\s]+)(?:\{([^}]*)\})?$/.exec(item);
    if (!m || !ATTRIBUTE_NAME.test(m[1]!))
      throw badRequest(`Category header: bad attribute definition '${clip(item)}'`);
    const props = (m[2] ?? '').split(/\s+/).filter(Boolean);
    for (const p of props) {
      if (p !== 'immutable' && p !== 'required') {
        throw badRequest(`Category header: unknown attribute property '${clip(p)}' on '${m[1]}'`);
      }
    }
    defs.push({
      name: m[1]!,
      type: 'string',
      mutable: !props.includes('immutable'),
      required: props.includes('required'),
    });
  }
  return defs;
}

export function parseCategory(value: string): ParsedCategory {
  const [head = '', ...rest] = split('Category', value, ';');
  const term = head.trim();
  if (!TERM.test(term)) throw badRequest(`Category header: invalid term '${clip(term)}'`);
  const params = parseParams('Category', rest);
  const scheme = params.get('scheme');
  if (!scheme) throw badRequest(`Category header: missing scheme for '${term}'`);
  if (!scheme.endsWith('#'))
    throw badRequest(`Category header: scheme '${clip(scheme)}' of '${term}' must end with '#'`);
  const category: ParsedCategory = { term, scheme, rel: [] };
  const cls = params.get('class');
  if (cls !== undefined) {
    if (!CLASSES.has(cls))
      throw badRequest(
        `Category header: class of '${term}' must be kind, mixin or action, not '${clip(cls)}'`,
      );
    category.class = cls as CategoryClass;
  }
  const title = params.get('title');
  if (title !== undefined) category.title = title;
  const rel = params.get('rel');
  if (rel) category.rel = rel.split(/\s+/).filter(Boolean);
  const location = params.get('location');
  if (location !== undefined) category.location = location;
  const attributes = params.get('attributes');
  if (attributes !== undefined) category.attributes = parseAttributeDefinitions(attributes);
  const actions = params.get('actions');
  if (actions !== undefined) category.actions = actions.split(/\s+/).filter(Boolean);
  return category;
}

/** Parses the right-hand side of `name=value`: quoted string, boolean, number, or a bare token. */
export function parseAttributeValue(raw: string): AttributeValue {
  const v = raw.trim();
  if (isQuoted(v)) return unquote(v);
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (NUMBER.test(v)) return Number(v);
  return v;
}

export function parseAttribute(header: string, value: string): [string, AttributeValue] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw badRequest(`${header} header: expected name=value, got '${clip(value)}'`);
  const name = value.slice(0, eq).trim();
  if (!ATTRIBUTE_NAME.test(name))
    throw badRequest(`${header} header: invalid attribute name '${clip(name)}'`);
  const raw = value.slice(eq + 1).trim();
  if (raw === '') throw badRequest(`${header} header: attribute '${name}' has no value`);
  if (raw.startsWith('"') && !isQuoted(raw))
    throw badRequest(`${header} header: unbalanced quotes in attribute '${name}'`);
  return [name, parseAttributeValue(raw)];
}

export function parseLink(value: string): ParsedLink {
  const [head = '', ...rest] = split('Link', value, ';');
  const target = /^\s*<([^<>]*)>\s*$/.exec(head);
  if (!target) throw badRequest(`Link header: expected <location> first, got '${clip(head)}'`);
  const link: ParsedLink = {
    target: target[1]!.trim(),
    rel: [],
    categories: [],
    attributes: Object.create(null),
  };
  if (link.target === '') throw badRequest('Link header: empty target location');
  for (const raw of rest) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw badRequest(`Link header: expected key=value, got '${clip(part)}'`);
    const key = part.slice(0, eq).trim();
    const rawValue = part.slice(eq + 1).trim();
    const text = isQuoted(rawValue) ? unquote(rawValue) : rawValue;
    switch (key.toLowerCase()) {
      case 'rel':
        link.rel = text.split(/\s+/).filter(Boolean);
        break;
      case 'self':
        link.self = text;
        break;
      case 'category':
        link.categories = text.split(/\s+/).filter(Boolean);
        break;
      default: {
        const [name, attr] = parseAttribute('Link', part);
        if (Object.hasOwn(link.attributes, name))
          throw badRequest(`Link header: attribute '${name}' given twice`);
        link.attributes[name] = attr;
      }
    }
  }
  if (link.rel.length === 0) throw badRequest(`Link header: missing rel for <${clip(link.target)}>`);
  return link;
}

export function parseLocation(header: string, value: string): string {
  const v = value.trim();
  const location = isQuoted(v) ? unquote(v) : v;
  if (location === '' || /[\s<>]/.test(location))
    throw badRequest(`${header} header: invalid location '${clip(location)}'`);
  return location;
}
