// One OCCI client adapter per rendering (text/plain, text/occi, application/occi+json), all with the
// same API, so that one contract suite can run against every rendering. Requests are encoded and
// responses read by the small readers below, not by the server's own parsers and renderers: the
// tests are an independent check of them.
import { request as httpRequest } from 'node:http';
import { checkOcciJsonResponse } from './occi-schema.js';

export type AttributeValue = string | number | boolean;
export type CategoryClass = 'kind' | 'mixin' | 'action';

/** A category named in a request: a filter, a mixin to remove, a kind or mixin of a create. */
export interface CategoryRef {
  term: string;
  scheme: string;
  /** Left out of the rendering when absent (class-less filters). */
  class?: CategoryClass;
}

/** A user mixin definition for POST /-/. Every part is optional so that tests can leave one out. */
export interface MixinDefinition {
  term: string;
  scheme: string;
  location?: string;
  title?: string;
  /** Mixins this one depends on (text `rel`, JSON `depends`). */
  depends?: string[];
  /** Defaults to mixin; tests set kind to see it refused. */
  class?: CategoryClass;
}

/** A create request: the kind's type identifier, mixin type identifiers, attributes. */
export interface EntityInput {
  kind: string;
  mixins?: string[];
  attributes?: Record<string, AttributeValue>;
}

/** A category as a response renders it, whatever the rendering. */
export interface RenderedCategory {
  term: string;
  scheme: string;
  class: string;
  title?: string;
  location?: string;
  /** Attribute names, in rendering order. */
  attributes: string[];
  immutable: string[];
  required: string[];
  /** Action type identifiers. */
  actions: string[];
  /** Kind parent or mixin depends (text `rel`, JSON `parent` / `depends`). */
  rel: string[];
  /** Kinds a mixin applies to (JSON only: the text renderings have no field for it). */
  applies: string[];
}

export interface OcciResponse {
  status: number;
  headers: Headers;
  /** Content-Type without parameters, lower case ('' when absent). */
  contentType: string;
  body: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
}

export interface RawRequest extends RequestOptions {
  body?: string;
  /** Leave out the Accept header the client normally sends. */
  noAccept?: boolean;
}

export interface OcciClient {
  /** The rendering's name, used as the test title. */
  readonly name: 'text/plain' | 'text/occi' | 'application/occi+json';
  /** The media type sent in Accept, and expected back in Content-Type. */
  readonly mediaType: string;
  /** Whether the rendering carries a mixin's `applies` (only JSON does). */
  readonly rendersApplies: boolean;
  /** Every response this client has received, oldest first (for checks that apply to all). */
  readonly responses: OcciResponse[];
  /** GET on the query interface (or its /.well-known mirror), optionally filtered. */
  queryInterface(
    filter?: CategoryRef[],
    options?: RequestOptions & { path?: string },
  ): Promise<{ response: OcciResponse; categories: RenderedCategory[] }>;
  addMixin(
    definitions: MixinDefinition | MixinDefinition[],
    options?: RequestOptions,
  ): Promise<{ response: OcciResponse; categories: RenderedCategory[] }>;
  removeMixin(ref: CategoryRef, options?: RequestOptions): Promise<OcciResponse>;
  /** POST to a kind location: the kind, mixins and attributes in this rendering. */
  create(kindLocation: string, input: EntityInput, options?: RequestOptions): Promise<OcciResponse>;
  /**
   * POST `location?action=<term>` with the action's Category; `term` overrides the query's term
   * (to test a mismatch).
   */
  action(
    location: string,
    actionId: string,
    options?: RequestOptions & { attributes?: Record<string, AttributeValue>; term?: string },
  ): Promise<OcciResponse>;
  /**
   * OCCI text fields (`Category`, `X-OCCI-Attribute`, …) sent verbatim, for malformed input: in the
   * body for text/plain, as headers for text/occi. JSON has no text syntax, so the JSON client sends
   * them as headers (which the server reads whatever the rendering) and reads the answer in JSON.
   */
  sendText(
    method: string,
    path: string,
    fields: [string, string][],
    options?: RequestOptions,
  ): Promise<OcciResponse>;
  /** Any request; the client's Accept is added (unless `noAccept`), headers and body are sent as given. */
  raw(method: string, path: string, request?: RawRequest): Promise<OcciResponse>;
  /** The error message of an error response, read where this rendering puts it. */
  error(response: OcciResponse): string | undefined;
}

export const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
export const CORE = 'http://schemas.ogf.org/occi/core#';

/** Splits a type identifier (scheme#term) at its last '#'. */
export function splitTypeId(id: string): { scheme: string; term: string } {
  const hash = id.lastIndexOf('#');
  if (hash < 0) throw new Error(`not a type identifier: ${id}`);
  return { scheme: id.slice(0, hash + 1), term: id.slice(hash + 1) };
}

export const typeIdOf = (c: { scheme: string; term: string }) => c.scheme + c.term;

/**
 * The path of a location the server rendered: the server renders absolute URLs by default
 * (`http://127.0.0.1:40123/compute/7`); suites that compare locations compare their paths.
 */
export function pathOf(location: string): string {
  return /^https?:\/\//.test(location) ? location.replace(/^https?:\/\/[^/]+/, '') : location;
}

/** Attributes as a reader keeps them: the link ends (locations) as paths, see pathOf. */
export function withPaths<T>(attributes: Record<string, T>): Record<string, T> {
  const out = { ...attributes };
  for (const name of ['occi.core.source', 'occi.core.target']) {
    const v = out[name];
    if (typeof v === 'string') out[name] = pathOf(v) as T;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Transport

/** Every JSON body the server sends is checked against schemas/occi-1.2-json.schema.json here. */
function toResponse(status: number, headers: Headers, body: string): OcciResponse {
  const contentType = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const response = { status, headers, contentType, body };
  checkOcciJsonResponse(response);
  return response;
}

/**
 * Sends a request with the global fetch, except where fetch cannot express it: a GET or HEAD
 * with a body, or a request without an Accept header (fetch adds `Accept: *\/*`). Those go through
 * node:http, which sends exactly the headers given.
 */
export async function send(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string | string[]>,
  body?: string,
): Promise<OcciResponse> {
  const hasAccept = Object.keys(headers).some((h) => h.toLowerCase() === 'accept');
  const repeated = Object.values(headers).some(Array.isArray);
  const bodyOnGet = body !== undefined && (method === 'GET' || method === 'HEAD');
  if (!hasAccept || repeated || bodyOnGet) return sendWithNodeHttp(baseUrl, method, path, headers, body);
  const init: RequestInit = { method, headers: headers as Record<string, string> };
  if (body !== undefined) init.body = body;
  const res = await fetch(/^https?:\/\//.test(path) ? path : baseUrl + path, init);
  return toResponse(res.status, res.headers, await res.text());
}

/** node:http request: repeated headers stay repeated lines, no header is added but Host. */
export function sendWithNodeHttp(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string | string[]>,
  body?: string,
): Promise<OcciResponse> {
  // A location as the server rendered it (an absolute URL) is requested as given.
  const url = new URL(/^https?:\/\//.test(path) ? path : baseUrl);
  if (/^https?:\/\//.test(path)) path = url.pathname + url.search;
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
    // Node frames GET/HEAD/DELETE bodies only when told their length.
    headers = { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const out = new Headers();
          const raw = res.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) out.append(raw[i]!, raw[i + 1]!);
          try {
            resolve(toResponse(res.statusCode ?? 0, out, Buffer.concat(chunks).toString('utf8')));
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// Independent readers and writers of the OCCI text renderings

/** Splits at `sep` outside double-quoted strings (backslash escapes inside them). */
export function splitOutsideQuotes(input: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (quoted && ch === '\\' && i + 1 < input.length) {
      current += ch + input[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) throw new Error(`unbalanced quotes in ${JSON.stringify(input)}`);
  parts.push(current);
  return parts;
}

/** Reads a quoted-string (or a bare token) with backslash escapes, including \uXXXX. */
export function unquoteText(value: string): string {
  const v = value.trim();
  if (!(v.length >= 2 && v.startsWith('"') && v.endsWith('"'))) return v;
  return unescapeText(v.slice(1, -1));
}

export function unescapeText(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e;
  });
}

function quoteText(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

type CategoryText = CategoryRef & { location?: string; title?: string; depends?: string[] };

function categoryLine(c: CategoryText): string {
  let out = `${c.term}; scheme="${c.scheme}"`;
  if (c.class) out += `; class="${c.class}"`;
  if (c.title !== undefined) out += `; title=${quoteText(c.title)}`;
  if (c.depends?.length) out += `; rel="${c.depends.join(' ')}"`;
  if (c.location !== undefined) out += `; location="${c.location}"`;
  return out;
}

/**
 * Header values are bytes: non-ASCII text goes as its UTF-8 bytes (written by fetch as latin1
 * code units), which is what OCCI clients put on the wire.
 */
function headerBytes(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

function attributeText(name: string, value: AttributeValue): string {
  return `${name}=${typeof value === 'string' ? quoteText(value) : String(value)}`;
}

/** Reads one rendered Category value: `term; scheme="…"; class="…"; …`. */
export function readCategoryValue(value: string): RenderedCategory {
  const [head = '', ...rest] = splitOutsideQuotes(value, ';');
  const params = new Map<string, string>();
  for (const part of rest) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new Error(`Category parameter without '=': ${part}`);
    params.set(part.slice(0, eq).trim().toLowerCase(), unquoteText(part.slice(eq + 1)));
  }
  const words = (key: string) => (params.get(key) ?? '').split(/\s+/).filter(Boolean);
  // attribute-def = name [ "{" property *( SP property ) "}" ]
  const defs = [...(params.get('attributes') ?? '').matchAll(/([^\s{}]+)(?:\{([^}]*)\})?/g)].map((m) => ({
    name: m[1]!,
    props: (m[2] ?? '').split(/\s+/).filter(Boolean),
  }));
  const withProperty = (prop: string) => defs.filter((d) => d.props.includes(prop)).map((d) => d.name);
  const category: RenderedCategory = {
    term: head.trim(),
    scheme: params.get('scheme') ?? '',
    class: params.get('class') ?? '',
    attributes: defs.map((d) => d.name),
    immutable: withProperty('immutable'),
    required: withProperty('required'),
    actions: words('actions'),
    rel: words('rel'),
    applies: [],
  };
  const title = params.get('title');
  if (title !== undefined) category.title = title;
  const location = params.get('location');
  if (location !== undefined) category.location = location;
  return category;
}

/** Reads `Name: value` lines of a text/plain body into (lower-case name, value) pairs. */
export function readTextPlainBody(body: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of body.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`text/plain line without a field name: ${line}`);
    out.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return out;
}

/** The values of one OCCI header (comma-joined or repeated, which fetch joins with ', '). */
export function readHeaderValues(headers: Headers, name: string): string[] {
  const joined = headers.get(name);
  if (joined === null) return [];
  return splitOutsideQuotes(joined, ',')
    .map((v) => v.trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// JSON reader

interface JsonAttributeDescription {
  mutable?: boolean;
  required?: boolean;
}

interface JsonCategory {
  term: string;
  scheme: string;
  title?: string;
  location?: string;
  attributes?: Record<string, JsonAttributeDescription>;
  actions?: string[];
  parent?: string;
  depends?: string[];
  applies?: string[];
}

function readJsonCategory(c: JsonCategory, cls: CategoryClass): RenderedCategory {
  const attributes = Object.entries(c.attributes ?? {});
  const out: RenderedCategory = {
    term: c.term,
    scheme: c.scheme,
    class: cls,
    attributes: attributes.map(([n]) => n),
    immutable: attributes.filter(([, d]) => d.mutable === false).map(([n]) => n),
    required: attributes.filter(([, d]) => d.required === true).map(([n]) => n),
    actions: c.actions ?? [],
    rel: cls === 'kind' ? (c.parent ? [c.parent] : []) : (c.depends ?? []),
    applies: c.applies ?? [],
  };
  if (c.title !== undefined) out.title = c.title;
  if (c.location !== undefined) out.location = c.location;
  return out;
}

export function readJsonCategories(body: string): RenderedCategory[] {
  const doc = JSON.parse(body) as {
    kinds?: JsonCategory[];
    mixins?: JsonCategory[];
    actions?: JsonCategory[];
  };
  return [
    ...(doc.kinds ?? []).map((c) => readJsonCategory(c, 'kind')),
    ...(doc.mixins ?? []).map((c) => readJsonCategory(c, 'mixin')),
    ...(doc.actions ?? []).map((c) => readJsonCategory(c, 'action')),
  ];
}

// ---------------------------------------------------------------------------------------------
// The adapters

type Payload = { headers: Record<string, string>; body?: string };

interface Encoding {
  name: OcciClient['name'];
  mediaType: string;
  rendersApplies: boolean;
  /** Categories (filters, mixin definitions, removals), for the query interface. */
  categories(list: CategoryText[], purpose: 'filter' | 'define' | 'remove'): Payload;
  entity(input: EntityInput): Payload;
  action(actionId: string, attributes: Record<string, AttributeValue>): Payload;
  readCategories(response: OcciResponse): RenderedCategory[];
  textFields(fields: [string, string][]): Payload;
  error(response: OcciResponse): string | undefined;
}

const textPlain: Encoding = {
  name: 'text/plain',
  mediaType: 'text/plain',
  rendersApplies: false,
  categories(list) {
    return {
      headers: { 'Content-Type': 'text/plain' },
      body: list.map((c) => `Category: ${categoryLine(c)}\n`).join(''),
    };
  },
  entity(input) {
    const lines = [
      `Category: ${categoryLine({ ...splitTypeId(input.kind), class: 'kind' })}`,
      ...(input.mixins ?? []).map((m) => `Category: ${categoryLine({ ...splitTypeId(m), class: 'mixin' })}`),
      ...Object.entries(input.attributes ?? {}).map(([n, v]) => `X-OCCI-Attribute: ${attributeText(n, v)}`),
    ];
    return { headers: { 'Content-Type': 'text/plain' }, body: lines.map((l) => `${l}\n`).join('') };
  },
  action(actionId, attributes) {
    const lines = [
      `Category: ${categoryLine({ ...splitTypeId(actionId), class: 'action' })}`,
      ...Object.entries(attributes).map(([n, v]) => `X-OCCI-Attribute: ${attributeText(n, v)}`),
    ];
    return { headers: { 'Content-Type': 'text/plain' }, body: lines.map((l) => `${l}\n`).join('') };
  },
  textFields(fields) {
    return {
      headers: { 'Content-Type': 'text/plain' },
      body: fields.map(([name, value]) => `${name}: ${value}\n`).join(''),
    };
  },
  readCategories(response) {
    return readTextPlainBody(response.body)
      .filter(([name]) => name === 'category')
      .map(([, value]) => readCategoryValue(value));
  },
  error(response) {
    const text = response.body.trim();
    return text === '' ? undefined : text;
  },
};

const textOcci: Encoding = {
  name: 'text/occi',
  mediaType: 'text/occi',
  rendersApplies: false,
  categories(list) {
    return {
      headers: { 'Content-Type': 'text/occi', Category: headerBytes(list.map(categoryLine).join(', ')) },
    };
  },
  entity(input) {
    const categories = [
      categoryLine({ ...splitTypeId(input.kind), class: 'kind' }),
      ...(input.mixins ?? []).map((m) => categoryLine({ ...splitTypeId(m), class: 'mixin' })),
    ];
    const headers: Record<string, string> = { 'Content-Type': 'text/occi', Category: categories.join(', ') };
    const attributes = Object.entries(input.attributes ?? {}).map(([n, v]) => attributeText(n, v));
    if (attributes.length) headers['X-OCCI-Attribute'] = headerBytes(attributes.join(', '));
    return { headers };
  },
  action(actionId, attributes) {
    const headers: Record<string, string> = {
      'Content-Type': 'text/occi',
      Category: categoryLine({ ...splitTypeId(actionId), class: 'action' }),
    };
    const list = Object.entries(attributes).map(([n, v]) => attributeText(n, v));
    if (list.length) headers['X-OCCI-Attribute'] = headerBytes(list.join(', '));
    return { headers };
  },
  textFields(fields) {
    const headers: Record<string, string> = { 'Content-Type': 'text/occi' };
    for (const [name, value] of fields)
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    return { headers };
  },
  readCategories(response) {
    return readHeaderValues(response.headers, 'category').map(readCategoryValue);
  },
  error(response) {
    const header = response.headers.get('x-occi-error');
    return header === null ? undefined : unescapeText(header);
  },
};

const json: Encoding = {
  name: 'application/occi+json',
  mediaType: 'application/occi+json',
  rendersApplies: true,
  categories(list, purpose) {
    if (purpose === 'filter') {
      // A GET carries no JSON body: filters go in the Category header, which every rendering reads.
      return textOcci.categories(list, purpose);
    }
    if (purpose === 'remove') {
      return {
        headers: { 'Content-Type': 'application/occi+json' },
        body: JSON.stringify({ mixins: list.map(typeIdOf) }),
      };
    }
    const doc: Record<string, unknown[]> = {};
    for (const c of list) {
      const key = `${c.class ?? 'mixin'}s`;
      const item: Record<string, unknown> = { term: c.term, scheme: c.scheme };
      if (c.title !== undefined) item.title = c.title;
      if (c.location !== undefined) item.location = c.location;
      if (c.depends?.length) item.depends = c.depends;
      doc[key] = [...(doc[key] ?? []), item];
    }
    return { headers: { 'Content-Type': 'application/occi+json' }, body: JSON.stringify(doc) };
  },
  entity(input) {
    const doc: Record<string, unknown> = { kind: input.kind };
    if (input.mixins?.length) doc.mixins = input.mixins;
    if (input.attributes) doc.attributes = input.attributes;
    return { headers: { 'Content-Type': 'application/occi+json' }, body: JSON.stringify(doc) };
  },
  action(actionId, attributes) {
    return {
      headers: { 'Content-Type': 'application/occi+json' },
      body: JSON.stringify({ action: actionId, attributes }),
    };
  },
  textFields(fields) {
    const { headers } = textOcci.textFields(fields);
    delete headers['Content-Type'];
    return { headers };
  },
  readCategories(response) {
    return readJsonCategories(response.body);
  },
  error(response) {
    try {
      const doc = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown } };
      return typeof doc.error?.message === 'string' ? doc.error.message : undefined;
    } catch {
      return undefined;
    }
  },
};

function makeClient(encoding: Encoding, baseUrl: () => string): OcciClient {
  const responses: OcciResponse[] = [];
  const request = async (
    method: string,
    path: string,
    payload: Payload,
    options: RequestOptions & { noAccept?: boolean } = {},
  ) => {
    const headers: Record<string, string> = {};
    if (!options.noAccept) headers.Accept = encoding.mediaType;
    Object.assign(headers, payload.headers);
    if (options.token !== undefined) headers['X-Auth-Token'] = options.token;
    Object.assign(headers, options.headers);
    const response = await send(baseUrl(), method, path, headers, payload.body);
    responses.push(response);
    return response;
  };
  const readCategories = (response: OcciResponse) =>
    response.status === 200 ? encoding.readCategories(response) : [];
  return {
    name: encoding.name,
    mediaType: encoding.mediaType,
    rendersApplies: encoding.rendersApplies,
    responses,
    async queryInterface(filter = [], options = {}) {
      const payload = filter.length ? encoding.categories(filter, 'filter') : { headers: {} };
      const response = await request('GET', options.path ?? '/-/', payload, options);
      return { response, categories: readCategories(response) };
    },
    async addMixin(definitions, options = {}) {
      const list = (Array.isArray(definitions) ? definitions : [definitions]).map((d) => ({
        ...d,
        class: d.class ?? ('mixin' as const),
      }));
      const response = await request('POST', '/-/', encoding.categories(list, 'define'), options);
      return { response, categories: readCategories(response) };
    },
    removeMixin(ref, options = {}) {
      return request('DELETE', '/-/', encoding.categories([{ class: 'mixin', ...ref }], 'remove'), options);
    },
    create(kindLocation, input, options = {}) {
      return request('POST', kindLocation, encoding.entity(input), options);
    },
    action(location, actionId, options = {}) {
      const term = options.term ?? splitTypeId(actionId).term;
      const path = `${location}?action=${encodeURIComponent(term)}`;
      return request('POST', path, encoding.action(actionId, options.attributes ?? {}), options);
    },
    sendText(method, path, fields, options = {}) {
      return request(method, path, encoding.textFields(fields), options);
    },
    raw(method, path, raw = {}) {
      const payload: Payload = { headers: {} };
      if (raw.body !== undefined) payload.body = raw.body;
      return request(method, path, payload, raw);
    },
    error(response) {
      return encoding.error(response);
    },
  };
}

export const CLIENT_NAMES = ['text/plain', 'text/occi', 'application/occi+json'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

const ENCODINGS: Record<ClientName, Encoding> = {
  'text/plain': textPlain,
  'text/occi': textOcci,
  'application/occi+json': json,
};

/** A client of one rendering, talking to the server at `baseUrl()` (read per request: restarts move it). */
export function occiClient(name: ClientName, baseUrl: () => string): OcciClient {
  return makeClient(ENCODINGS[name], baseUrl);
}
