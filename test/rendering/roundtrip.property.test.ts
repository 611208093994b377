// Properties of the renderings: what we render we parse back unchanged (text with and without the
// ASCII-only escaping of headers, and JSON); header values are always safe to send; rendered JSON
// satisfies our OCCI JSON schema; and no input makes a parser throw anything but a 4xx OcciError.
import { validateHeaderName, validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OcciError } from '../../src/occi/errors.js';
import type { AttributeValue, Category, Link, Resource } from '../../src/occi/model.js';
import { isLink } from '../../src/occi/model.js';
import type { OcciDocument } from '../../src/rendering/document.js';
import { parseJsonBody } from '../../src/rendering/json/parse-json.js';
import { categoryJson } from '../../src/rendering/json/render-json.js';
import { negotiate, requestFormat } from '../../src/rendering/media-types.js';
import type { ParsedCategory, ParsedLink } from '../../src/rendering/parsed.js';
import { render } from '../../src/rendering/render.js';
import { parseTextHeaders, parseTextPlainBody } from '../../src/rendering/text/parse-text.js';
import {
  parseAttribute,
  parseCategory,
  parseLink,
  parseLocation,
  splitHeaderValues,
} from '../../src/rendering/text/parse-values.js';
import { type Field, renderCategory, renderValue, textFields } from '../../src/rendering/text/render-text.js';
import { validateOcciJson } from '../support/occi-schema.js';
import {
  anyText,
  attributeName,
  category,
  servedCategory,
  entities,
  jsonValue,
  pathLocation,
  scalarValue,
} from './arbitraries.js';
import { identityContext } from './fixtures.js';

fc.configureGlobal({ seed: 4242, numRuns: 500 });

const ctx = await identityContext();
const { registry } = ctx;
const textEntities = entities(registry, scalarValue);
const jsonEntities = entities(registry, jsonValue);

/** -0 has no text or JSON rendering of its own: it comes back as 0. */
function normalizeZero<T>(v: T): T {
  if (typeof v === 'number') return (Object.is(v, -0) ? 0 : v) as T;
  if (Array.isArray(v)) return v.map(normalizeZero) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, k, { value: normalizeZero(x), enumerable: true });
    return out as T;
  }
  return v;
}

/** An object with these own entries, `__proto__` included as a plain key. */
function record(entries: [string, AttributeValue][]): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Groups rendered fields into the header map a server sees: repeated, or comma-joined per name. */
function headerMap(fields: Field[], joined: boolean): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const [name, value] of fields) {
    const key = name.toLowerCase();
    map[key] = [...(map[key] ?? []), value];
  }
  if (joined) for (const name of Object.keys(map)) map[name] = [map[name]!.join(', ')];
  return map;
}

// ---- what parsing a rendering should give back -------------------------------------------------

function expectedCategory(c: Category): ParsedCategory {
  const out: ParsedCategory = { term: c.term, scheme: c.scheme, class: c.class, rel: [] };
  if (c.title) out.title = c.title;
  if (c.class === 'kind' && c.parent) out.rel = [c.parent];
  if (c.class === 'mixin' && c.depends.length) out.rel = [c.depends[0]!];
  if (c.class !== 'action' && c.location) out.location = c.location;
  if (c.attributes.length)
    out.attributes = c.attributes.map((d) => ({
      name: d.name,
      type: 'string',
      mutable: d.mutable,
      required: d.required,
    }));
  if (c.class !== 'action' && c.actions.length) out.actions = c.actions;
  return out;
}

function expectedEntityCategory(id: string): ParsedCategory {
  const c = registry.get(id);
  const hash = id.lastIndexOf('#');
  const out: ParsedCategory = {
    term: id.slice(hash + 1),
    scheme: id.slice(0, hash + 1),
    class: c?.class ?? 'mixin',
    rel: [],
  };
  if (c?.title) out.title = c.title;
  return out;
}

function coreAttributes(e: Resource | Link): [string, AttributeValue][] {
  const core: [string, AttributeValue][] = [['occi.core.id', e.id]];
  if (e.title !== undefined) core.push(['occi.core.title', e.title]);
  if (isLink(e)) {
    core.push(['occi.core.source', e.source.location]);
    if (e.source.kind) core.push(['occi.core.source.kind', e.source.kind]);
    core.push(['occi.core.target', e.target.location]);
    if (e.target.kind) core.push(['occi.core.target.kind', e.target.kind]);
  } else if (e.summary !== undefined) {
    core.push(['occi.core.summary', e.summary]);
  }
  return core;
}

function expectedLinkRef(l: Link): ParsedLink {
  const attributes = coreAttributes(l).filter(
    ([n]) => n !== 'occi.core.source' && n !== 'occi.core.target' && n !== 'occi.core.target.kind',
  );
  return {
    target: l.target.location,
    rel: [l.target.kind ?? l.kind],
    self: l.location,
    categories: [l.kind, ...l.mixins],
    attributes: normalizeZero(record([...attributes, ...Object.entries(l.attributes)])),
  };
}

function expectedActionLink(e: Resource | Link, action: string): ParsedLink {
  const term = action.slice(action.lastIndexOf('#') + 1);
  return { target: `${e.location}?action=${term}`, rel: [action], categories: [], attributes: {} };
}

function expectedText(e: Resource | Link) {
  return {
    categories: [e.kind, ...e.mixins].map(expectedEntityCategory),
    links: [
      ...(isLink(e) ? [] : e.links.map(expectedLinkRef)),
      ...e.actions.map((a) => expectedActionLink(e, a)),
    ],
    attributes: normalizeZero(record([...coreAttributes(e), ...Object.entries(e.attributes)])),
    locations: [],
  };
}

// ---- text round trips ----------------------------------------------------------------------

describe('text: render → parse round trips', () => {
  for (const ascii of [true, false]) {
    it(`categories, comma-joined in one header value (ascii=${ascii})`, () => {
      fc.assert(
        fc.property(fc.array(category, { minLength: 1, maxLength: 4 }), (categories) => {
          const joined = categories.map((c) => renderCategory(c, ctx, ascii)).join(', ');
          const parsed = splitHeaderValues('Category', joined).map(parseCategory);
          expect(parsed).toEqual(categories.map(expectedCategory));
        }),
      );
    });

    it(`entity fields, repeated and comma-joined headers (ascii=${ascii})`, () => {
      fc.assert(
        fc.property(textEntities.entity, fc.boolean(), (entity, joined) => {
          const fields = textFields({ type: 'entity', entity }, ctx, ascii);
          const parsed = parseTextHeaders(headerMap(fields, joined));
          expect(parsed).toEqual(expectedText(entity));
        }),
      );
    });
  }

  it('the query interface as text/occi headers and as a text/plain body', () => {
    fc.assert(
      fc.property(fc.array(category, { maxLength: 5 }), (categories) => {
        const doc: OcciDocument = { type: 'categories', categories };
        const expected = categories.map(expectedCategory);
        const headers = render(doc, 'text/occi', ctx).headers;
        expect(parseTextHeaders(headerMap(headers, false)).categories).toEqual(expected);
        expect(parseTextPlainBody(render(doc, 'text/plain', ctx).body).categories).toEqual(expected);
      }),
    );
  });

  it('an entity as a text/plain body and as text/occi headers', () => {
    fc.assert(
      fc.property(textEntities.entity, (entity) => {
        const doc: OcciDocument = { type: 'entity', entity };
        expect(parseTextPlainBody(render(doc, 'text/plain', ctx).body)).toEqual(expectedText(entity));
        expect(parseTextHeaders(headerMap(render(doc, 'text/occi', ctx).headers, true))).toEqual(
          expectedText(entity),
        );
      }),
    );
  });

  it('a collection as X-OCCI-Location lines and as a text/uri-list', () => {
    fc.assert(
      fc.property(fc.array(textEntities.entity, { maxLength: 4 }), (list) => {
        const doc: OcciDocument = { type: 'collection', entities: list };
        const locations = list.map((e) => e.location);
        expect(parseTextPlainBody(render(doc, 'text/plain', ctx).body).locations).toEqual(locations);
        const uriList = render(doc, 'text/uri-list', ctx).body;
        expect(uriList.split('\r\n').filter(Boolean)).toEqual(locations);
      }),
    );
  });

  it('a single attribute value keeps its type: quoted strings stay strings, even "2" or "true"', () => {
    fc.assert(
      fc.property(attributeName, scalarValue, fc.boolean(), (name, value, ascii) => {
        const [parsedName, parsed] = parseAttribute(
          'X-OCCI-Attribute',
          `${name}=${renderValue(value, ascii)}`,
        );
        expect(parsedName).toBe(name);
        expect(parsed).toEqual(normalizeZero(value));
        expect(typeof parsed).toBe(typeof value);
      }),
    );
  });

  it('locations: X-OCCI-Location values come back as rendered', () => {
    fc.assert(
      fc.property(pathLocation, (location) => {
        expect(parseLocation('X-OCCI-Location', location)).toBe(location);
      }),
    );
  });
});

// ---- header safety -------------------------------------------------------------------------

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

const anyDocument: fc.Arbitrary<OcciDocument> = fc.oneof(
  textEntities.entity.map((entity) => ({ type: 'entity' as const, entity })),
  jsonEntities.entity.map((entity) => ({ type: 'entity' as const, entity })),
  fc.array(category, { maxLength: 4 }).map((categories) => ({ type: 'categories' as const, categories })),
  fc
    .array(textEntities.entity, { maxLength: 3 })
    .map((list) => ({ type: 'collection' as const, entities: list })),
  fc
    .tuple(fc.integer({ min: 400, max: 599 }), anyText)
    .map(([status, message]) => ({ type: 'error' as const, error: new OcciError(status, message) })),
  fc.constant({ type: 'ok' as const }),
);

describe('header safety', () => {
  it('with ascii=true every field value is printable ASCII (no CR, LF, NUL or anything else)', () => {
    fc.assert(
      fc.property(anyDocument, (doc) => {
        for (const [name, value] of textFields(doc, ctx, true)) {
          expect(value, name).toMatch(PRINTABLE_ASCII);
        }
      }),
    );
  });

  it("text/occi responses: header names and values pass node's own validation", () => {
    fc.assert(
      fc.property(anyDocument, (doc) => {
        const { headers, contentType } = render(doc, 'text/occi', ctx);
        expect(() => validateHeaderValue('Content-Type', contentType)).not.toThrow();
        for (const [name, value] of headers) {
          expect(value).not.toMatch(/[\r\n\0]/);
          expect(value, name).toMatch(PRINTABLE_ASCII);
          expect(() => validateHeaderName(name)).not.toThrow();
          expect(() => validateHeaderValue(name, value)).not.toThrow();
        }
      }),
    );
  });

  it('errors in every rendering: X-OCCI-Error is header-safe and unescapes to the message', () => {
    fc.assert(
      fc.property(anyText, (message) => {
        const doc: OcciDocument = { type: 'error', error: new OcciError(400, message) };
        for (const rendering of ['text/plain', 'text/occi', 'text/uri-list'] as const) {
          const { headers } = render(doc, rendering, ctx);
          const [name, value] = headers.find(([n]) => n === 'X-OCCI-Error') ?? ['', ''];
          expect(name).toBe('X-OCCI-Error');
          expect(value).toMatch(PRINTABLE_ASCII);
          expect(() => validateHeaderValue(name, value)).not.toThrow();
          const [, back] = parseAttribute('X', `m="${value}"`);
          expect(back).toBe(message);
        }
        const json = JSON.parse(render(doc, 'application/occi+json', ctx).body) as unknown;
        expect(json).toEqual({ error: { code: 400, message } });
      }),
    );
  });
});

// ---- JSON ----------------------------------------------------------------------------------

/**
 * The attributes a JSON rendering carries back. Unlike text, JSON has no occi.core.source.kind:
 * the source kind travels only as `source.kind`, which GFD.226 does not map to an attribute.
 */
function expectedJsonAttributes(e: Resource | Link): Record<string, AttributeValue> {
  const core = coreAttributes(e).filter(([n]) => n !== 'occi.core.source.kind');
  return normalizeZero(record([...core, ...Object.entries(e.attributes)]));
}

function expectedJsonLink(l: Link): ParsedLink {
  return {
    target: l.target.location,
    rel: l.target.kind ? [l.target.kind] : [],
    categories: [l.kind, ...l.mixins],
    attributes: expectedJsonAttributes(l),
    source: l.source.location,
    id: l.id,
  };
}

describe('JSON: render → schema → parse', () => {
  it('any entity validates as a resource or link and parses back to the same kind, mixins, attributes', () => {
    fc.assert(
      fc.property(jsonEntities.entity, (entity) => {
        const { body, contentType } = render({ type: 'entity', entity }, 'application/occi+json', ctx);
        expect(contentType).toBe('application/occi+json');
        const json = JSON.parse(body) as unknown;
        expect(validateOcciJson(isLink(entity) ? 'link' : 'resource', json)).toEqual([]);

        const parsed = parseJsonBody(body);
        expect(parsed.categories).toEqual([
          { ...expectedEntityCategory(entity.kind), class: 'kind', title: undefined },
          ...entity.mixins.map((m) => ({ ...expectedEntityCategory(m), class: 'mixin', title: undefined })),
        ]);
        expect(parsed.id).toBe(entity.id);
        expect(parsed.attributes).toEqual(expectedJsonAttributes(entity));
        expect(parsed.links).toEqual(isLink(entity) ? [] : entity.links.map(expectedJsonLink));
      }),
    );
  });

  it('collections validate as resource_collection, link_collection or (mixed) model', () => {
    fc.assert(
      fc.property(fc.array(jsonEntities.entity, { maxLength: 4 }), (list) => {
        const json = JSON.parse(
          render({ type: 'collection', entities: list }, 'application/occi+json', ctx).body,
        );
        const hasLinks = list.some(isLink);
        const hasResources = list.some((e) => !isLink(e));
        const definition =
          hasLinks && hasResources ? 'model' : hasLinks ? 'link_collection' : 'resource_collection';
        expect(validateOcciJson(definition, json)).toEqual([]);
        expect(parseJsonBody(JSON.stringify(json)).locations).toHaveLength(list.length);
      }),
    );
  });

  it('any category a server holds validates against its definition, and a model of them against model', () => {
    fc.assert(
      fc.property(fc.array(servedCategory, { maxLength: 5 }), (categories) => {
        for (const c of categories) expect(validateOcciJson(c.class, categoryJson(c, ctx))).toEqual([]);
        const json = JSON.parse(
          render({ type: 'categories', categories }, 'application/occi+json', ctx).body,
        );
        expect(validateOcciJson('model', json)).toEqual([]);
      }),
    );
  });
});

// ---- robustness --------------------------------------------------------------------------

/** Fragments of the OCCI text grammar, glued at random, reach deeper than plain random text. */
const TEXT_FRAGMENTS = [
  'compute',
  '6b8f',
  'scheme',
  'class',
  'kind',
  'mixin',
  'action',
  'title',
  'rel',
  'self',
  'category',
  'location',
  'attributes',
  'actions',
  'occi.compute.cores',
  'http://schemas.ogf.org/occi/infrastructure#',
  '{immutable}',
  '{required',
  '}',
  '{',
  '<',
  '>',
  '</n/1>',
  ';',
  ',',
  '=',
  '"',
  '\\',
  '\\u00',
  '\\u0041',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\n ',
  ':',
  'Category:',
  'Link:',
  'X-OCCI-Attribute:',
  'X-OCCI-Location:',
  '1',
  '-',
  '.',
  'e5',
  'true',
  '__proto__',
  'constructor',
];

const grammarSoup = fc
  .array(fc.oneof(fc.constantFrom(...TEXT_FRAGMENTS), anyText), { maxLength: 25 })
  .map((parts) => parts.join(''));

const fuzzText = fc.oneof(anyText, grammarSoup, fc.string());

const JSON_KEYS = [
  'kind',
  'mixins',
  'attributes',
  'actions',
  'id',
  'links',
  'source',
  'target',
  'location',
  'title',
  'summary',
  'action',
  'term',
  'scheme',
  'parent',
  'depends',
  'applies',
  'kinds',
  'resources',
  'locations',
  'type',
  'mutable',
  'required',
  'default',
  'pattern',
  'rel',
  '__proto__',
  'constructor',
];

const occiishJson = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...JSON_KEYS), tie('node'), { maxKeys: 5 }),
  ),
})).node;

const fuzzJson = fc.oneof(
  fuzzText,
  occiishJson.map((v) => JSON.stringify(v) ?? ''),
  jsonEntities.entity.map((entity) => render({ type: 'entity', entity }, 'application/occi+json', ctx).body),
  fc.nat({ max: 200 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
);

/** Either returns, or throws an OcciError with a 4xx status. */
function returnsOr4xx(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OcciError);
    const status = (e as OcciError).status;
    expect(status >= 400 && status < 500, `status ${status}: ${(e as Error).message}`).toBe(true);
  }
}

describe('parsers never throw anything but a 4xx OcciError', () => {
  const cases: [string, fc.Arbitrary<string>, (s: string) => unknown][] = [
    ['parseCategory', fuzzText, parseCategory],
    ['parseLink', fuzzText, parseLink],
    ['parseAttribute', fuzzText, (s) => parseAttribute('X-OCCI-Attribute', s)],
    ['parseLocation', fuzzText, (s) => parseLocation('X-OCCI-Location', s)],
    ['splitHeaderValues', fuzzText, (s) => splitHeaderValues('Category', s)],
    ['parseTextPlainBody', fuzzText, parseTextPlainBody],
    ['parseJsonBody', fuzzJson, parseJsonBody],
    ['negotiate (listing)', fuzzText, (s) => negotiate(s, true)],
    ['negotiate (not a listing)', fuzzText, (s) => negotiate(s, false)],
    ['requestFormat', fuzzText, (s) => requestFormat(s, true)],
  ];
  for (const [name, input, parse] of cases) {
    it(name, () => {
      fc.assert(fc.property(input, (s) => returnsOr4xx(() => parse(s))));
    });
  }

  it('parseTextHeaders with every field at once', () => {
    fc.assert(
      fc.property(fc.array(fuzzText, { maxLength: 3 }), fc.array(fuzzText, { maxLength: 3 }), (a, b) =>
        returnsOr4xx(() =>
          parseTextHeaders({ category: a, link: b, 'x-occi-attribute': a, 'x-occi-location': b }),
        ),
      ),
    );
  });
});
