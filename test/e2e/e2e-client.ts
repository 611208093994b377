// An OCCI client for the end-to-end suite, one per rendering, wrapping the shared adapters of
// test/support/occi-clients.ts (query interface, user mixins, actions, error messages) and adding
// what a client needs to drive instances: read an entity or a collection, create, partial and
// full update, mixin membership, delete. Requests are encoded and responses read here, not by the
// server's own code, so the suite checks the renderings independently.
import { request as httpRequest } from 'node:http';
import {
  type AttributeValue,
  type CategoryRef,
  type ClientName,
  type MixinDefinition,
  type OcciClient,
  type OcciResponse,
  occiClient,
  type RenderedCategory,
  readCategoryValue,
  readHeaderValues,
  readJsonCategories,
  pathOf,
  readTextPlainBody,
  withPaths,
  splitOutsideQuotes,
  splitTypeId,
  unquoteText,
} from '../support/occi-clients.js';
import { checkOcciJsonResponse } from '../support/occi-schema.js';

export const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
export const COMPUTE = `${INFRA}compute`;
export const OS_TPL = `${INFRA}os_tpl`;
export const RESOURCE_TPL = `${INFRA}resource_tpl`;
export const ACTION = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';
/** The shipped template schemes (OOI's: ids, not names). */
export const OS_SCHEME = 'http://schemas.openstack.org/template/os#';
export const RESOURCE_SCHEME = 'http://schemas.openstack.org/template/resource#';

/** Where instances of a kind live (JSON renders ids, not locations). */
const KIND_LOCATIONS: Record<string, string> = {
  [COMPUTE]: '/compute/',
  [`${INFRA}network`]: '/network/',
  [`${INFRA}storage`]: '/storage/',
  [`${INFRA}networkinterface`]: '/link/networkinterface/',
  [`${INFRA}storagelink`]: '/link/storagelink/',
};

export interface LinkView {
  /** The link's kind (text: first word of `category`, JSON `kind`). */
  kind?: string;
  /** The link's mixins (text: the other words of `category`, JSON `mixins`). */
  mixins: string[];
  /** Target location. */
  target: string;
  /** Target kind (text `rel`, JSON `target.kind`). */
  targetKind?: string;
  /** The link's id (last segment of text `self`, JSON `id`). */
  id?: string;
  attributes: Record<string, AttributeValue>;
}

/** A resource instance as a response renders it, whatever the rendering. */
export interface EntityView {
  kind: string;
  mixins: string[];
  attributes: Record<string, AttributeValue>;
  /** Action type identifiers offered (text: action Links; JSON: actions). */
  actions: string[];
  links: LinkView[];
}

/** A request body for create, partial update (every part optional) or full update. */
export interface EntityRequest {
  kind?: string;
  mixins?: string[];
  attributes?: Record<string, AttributeValue>;
}

export interface CollectionFilter {
  categories?: CategoryRef[];
  attributes?: Record<string, AttributeValue>;
}

export interface Options {
  /** Overrides the client's token; null sends none. */
  token?: string | null;
  /** Create: ask for the full rendering (`Prefer: return=representation`, answered with 200). */
  representation?: boolean;
}

export interface E2eClient {
  readonly name: ClientName;
  /** The shared adapter (query interface, user mixins, actions, errors), with the client's token. */
  readonly base: OcciClient;
  readonly token: string;
  /** GET the query interface, optionally filtered by categories. */
  categories(
    filter?: CategoryRef[],
    options?: Options,
  ): Promise<{ response: OcciResponse; categories: RenderedCategory[] }>;
  /** POST /-/ with a user mixin definition. */
  addMixin(definition: MixinDefinition): Promise<{ response: OcciResponse; categories: RenderedCategory[] }>;
  /** DELETE /-/ with the mixin's Category. */
  removeMixin(mixin: CategoryRef): Promise<OcciResponse>;
  /** GET an entity; `entity` is set on 200. */
  get(location: string, options?: Options): Promise<{ response: OcciResponse; entity?: EntityView }>;
  /** GET a collection (kind, mixin or path), optionally filtered; the locations it holds. */
  list(
    path: string,
    filter?: CollectionFilter,
    options?: Options,
  ): Promise<{ response: OcciResponse; locations: string[] }>;
  /** POST a new instance to a kind collection; `location` from the Location header on 201. */
  create(
    collection: string,
    input: EntityRequest,
    options?: Options,
  ): Promise<{ response: OcciResponse; location?: string; entity?: EntityView }>;
  /** Partial update: POST to the entity (only what is given). */
  update(location: string, input: EntityRequest, options?: Options): Promise<OcciResponse>;
  /** Full update: PUT to the entity. */
  replace(location: string, input: EntityRequest, options?: Options): Promise<OcciResponse>;
  /** POST ?action=term with the action Category (and attributes, e.g. method="cold"). */
  action(
    location: string,
    actionId: string,
    attributes?: Record<string, AttributeValue>,
    options?: Options,
  ): Promise<OcciResponse>;
  /** Mixin membership: POST associates, PUT replaces, DELETE dissociates the given locations. */
  members(
    method: 'POST' | 'PUT' | 'DELETE',
    mixinLocation: string,
    locations: string[],
    options?: Options,
  ): Promise<{ response: OcciResponse; locations: string[] }>;
  delete(location: string, options?: Options): Promise<OcciResponse>;
  /** The error message, read where this rendering puts it. */
  error(response: OcciResponse): string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** `name=value`, the value a quoted string, a number or a boolean. */
export function readAttribute(text: string): [string, AttributeValue] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`attribute without '=': ${text}`);
  const name = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  if (raw.startsWith('"')) return [name, unquoteText(raw)];
  if (raw === 'true' || raw === 'false') return [name, raw === 'true'];
  const n = Number(raw);
  if (raw === '' || Number.isNaN(n))
    throw new Error(`attribute value is neither quoted nor a number: ${text}`);
  return [name, n];
}

/** `</target>; rel="…"; self="…"; category="…"; name=value…` */
export function readLinkValue(text: string): {
  target: string;
  params: Record<string, string>;
  rest: string[];
} {
  const [head = '', ...parts] = splitOutsideQuotes(text, ';');
  const target = head.trim().replace(/^<|>$/g, '');
  const params: Record<string, string> = {};
  const rest: string[] = [];
  for (const p of parts) {
    const part = p.trim();
    if (part === '') continue;
    const key = part.slice(0, part.indexOf('=')).trim();
    if (key === 'rel' || key === 'self' || key === 'category')
      params[key] = unquoteText(part.slice(key.length + 1));
    else rest.push(part);
  }
  return { target, params, rest };
}

/** Builds an entity from the text fields (lower-case names) of either text rendering. */
function entityFromFields(fields: [string, string][]): EntityView {
  const entity: EntityView = { kind: '', mixins: [], attributes: {}, actions: [], links: [] };
  for (const [name, value] of fields) {
    if (name === 'category') {
      const c = readCategoryValue(value);
      if (c.class === 'kind') entity.kind = c.scheme + c.term;
      else if (c.class === 'mixin') entity.mixins.push(c.scheme + c.term);
    } else if (name === 'x-occi-attribute') {
      const [n, v] = readAttribute(value);
      entity.attributes[n] = v;
    } else if (name === 'link') {
      const { target, params, rest } = readLinkValue(value);
      if (target.includes('?action=')) {
        if (params.rel) entity.actions.push(params.rel);
        continue;
      }
      const [kind, ...mixins] = (params.category ?? '').split(/\s+/).filter(Boolean);
      const link: LinkView = {
        target: pathOf(target),
        mixins,
        attributes: withPaths(Object.fromEntries(rest.map(readAttribute))),
      };
      if (kind) link.kind = kind;
      if (params.rel) link.targetKind = params.rel;
      if (params.self) link.id = params.self.slice(params.self.lastIndexOf('/') + 1);
      entity.links.push(link);
    }
  }
  return { ...entity, attributes: withPaths(entity.attributes) };
}

/** The OCCI fields of a text/occi response (headers), as (lower-case name, value) pairs. */
function headerFields(headers: Headers): [string, string][] {
  const out: [string, string][] = [];
  for (const name of ['category', 'link', 'x-occi-attribute', 'x-occi-location'])
    for (const v of readHeaderValues(headers, name)) out.push([name, v]);
  return out;
}

interface JsonLink {
  kind?: string;
  mixins?: string[];
  id?: string;
  target?: { location?: string; kind?: string } | string;
  attributes?: Record<string, AttributeValue>;
}

interface JsonResource {
  kind: string;
  id: string;
  mixins?: string[];
  attributes?: Record<string, AttributeValue>;
  actions?: string[];
  links?: JsonLink[];
}

function entityFromJson(doc: JsonResource): EntityView {
  return {
    kind: doc.kind,
    mixins: doc.mixins ?? [],
    attributes: withPaths(doc.attributes ?? {}),
    actions: doc.actions ?? [],
    links: (doc.links ?? []).map((l) => {
      const target = typeof l.target === 'string' ? { location: l.target } : (l.target ?? {});
      const link: LinkView = {
        target: pathOf(target.location ?? ''),
        mixins: l.mixins ?? [],
        attributes: withPaths(l.attributes ?? {}),
      };
      if (l.kind) link.kind = l.kind;
      if (target.kind) link.targetKind = target.kind;
      if (l.id) link.id = l.id;
      return link;
    }),
  };
}

export function jsonLocation(resource: { kind: string; id: string }): string {
  const base = KIND_LOCATIONS[resource.kind];
  if (!base) throw new Error(`no location known for kind ${resource.kind}`);
  return base + encodeURIComponent(resource.id);
}

// ---------------------------------------------------------------------------------------------
// Writing

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

function attributeText(name: string, value: AttributeValue): string {
  return `${name}=${typeof value === 'string' ? quote(value) : String(value)}`;
}

function categoryText(id: string, cls: 'kind' | 'mixin' | 'action'): string {
  const { scheme, term } = splitTypeId(id);
  return `${term}; scheme="${scheme}"; class="${cls}"`;
}

function refText(c: CategoryRef): string {
  return `${c.term}; scheme="${c.scheme}"${c.class ? `; class="${c.class}"` : ''}`;
}

/** The OCCI text fields of an entity request, in order. */
function entityFields(input: EntityRequest): [string, string][] {
  return [
    ...(input.kind ? [['Category', categoryText(input.kind, 'kind')] as [string, string]] : []),
    ...(input.mixins ?? []).map((m): [string, string] => ['Category', categoryText(m, 'mixin')]),
    ...Object.entries(input.attributes ?? {}).map(([n, v]): [string, string] => [
      'X-OCCI-Attribute',
      attributeText(n, v),
    ]),
  ];
}

interface Payload {
  headers: Record<string, string>;
  body?: string;
}

/** Fields as text/plain body lines, or as text/occi headers (comma-joined). */
function textPayload(name: ClientName, fields: [string, string][], contentType = true): Payload {
  if (name === 'text/plain') {
    const payload: Payload = { headers: contentType ? { 'Content-Type': 'text/plain' } : {} };
    if (fields.length) payload.body = fields.map(([n, v]) => `${n}: ${v}\n`).join('');
    return payload;
  }
  const headers: Record<string, string> = contentType ? { 'Content-Type': 'text/occi' } : {};
  for (const [n, v] of fields) headers[n] = headers[n] === undefined ? v : `${headers[n]}, ${v}`;
  return { headers };
}

function entityPayload(name: ClientName, input: EntityRequest): Payload {
  if (name !== 'application/occi+json') return textPayload(name, entityFields(input));
  const doc: Record<string, unknown> = {};
  if (input.kind) doc.kind = input.kind;
  if (input.mixins?.length) doc.mixins = input.mixins;
  if (input.attributes) doc.attributes = input.attributes;
  return { headers: { 'Content-Type': 'application/occi+json' }, body: JSON.stringify(doc) };
}

// ---------------------------------------------------------------------------------------------
// Transport

/**
 * Responses may carry far more header bytes than fetch (undici) reads by default (16 KiB):
 * text/occi renders the whole query interface in headers (about 40 KB with the simulator's 96
 * flavors, see the text/occi header-size case in compute.e2e.test.ts). So this client's own
 * requests go through node:http with a 1 MiB limit, and report the size of the header block.
 */
export const MAX_RESPONSE_HEADER_BYTES = 1 << 20;

export function sendRaw(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<OcciResponse & { headerBytes: number }> {
  const url = new URL(baseUrl);
  const all = { ...headers };
  if (body !== undefined) all['Content-Length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: all,
        agent: false,
        maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const out = new Headers();
          const raw = res.rawHeaders;
          let headerBytes = 0;
          for (let i = 0; i + 1 < raw.length; i += 2) {
            out.append(raw[i]!, raw[i + 1]!);
            headerBytes += raw[i]!.length + raw[i + 1]!.length + 4;
          }
          const contentType = (out.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
          const response = {
            status: res.statusCode ?? 0,
            headers: out,
            contentType,
            body: Buffer.concat(chunks).toString('utf8'),
            headerBytes,
          };
          try {
            checkOcciJsonResponse(response);
            resolve(response);
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
// The client

export function e2eClient(name: ClientName, baseUrl: () => string, token: string): E2eClient {
  const base = occiClient(name, baseUrl);
  const mediaType = base.mediaType;
  const isJson = name === 'application/occi+json';

  const request = (method: string, path: string, payload: Payload, options: Options = {}) => {
    const headers: Record<string, string> = { Accept: mediaType, ...payload.headers };
    if (options.representation) headers.Prefer = 'return=representation';
    const t = options.token === undefined ? token : options.token;
    if (t !== null) headers['X-Auth-Token'] = t;
    return sendRaw(baseUrl(), method, pathOf(path), headers, payload.body);
  };

  const filterFields = (filter: CollectionFilter): [string, string][] => [
    ...(filter.categories ?? []).map((c): [string, string] => ['Category', refText(c)]),
    ...Object.entries(filter.attributes ?? {}).map(([n, v]): [string, string] => [
      'X-OCCI-Attribute',
      attributeText(n, v),
    ]),
  ];

  /**
   * A GET carries its filter in the body (text/plain) or in headers (text/occi; JSON has no
   * filter syntax of its own, and every rendering reads OCCI headers).
   */
  const filterPayload = (fields: [string, string][]): Payload =>
    isJson
      ? textPayload('text/occi', fields, false)
      : textPayload(name, fields, name === 'text/plain' && fields.length > 0);

  const readEntity = (response: OcciResponse): EntityView | undefined => {
    if (response.status !== 200 && response.status !== 201) return undefined;
    if (isJson) return entityFromJson(JSON.parse(response.body) as JsonResource);
    const fields = name === 'text/plain' ? readTextPlainBody(response.body) : headerFields(response.headers);
    return entityFromFields(fields);
  };

  const readLocations = (response: OcciResponse): string[] => {
    if (response.status !== 200) return [];
    if (isJson) {
      if (response.body.trim() === '') return [];
      const doc = JSON.parse(response.body) as { resources?: JsonResource[]; links?: JsonResource[] };
      return [...(doc.resources ?? []), ...(doc.links ?? [])].map(jsonLocation);
    }
    const fields = name === 'text/plain' ? readTextPlainBody(response.body) : headerFields(response.headers);
    return fields.filter(([n]) => n === 'x-occi-location').map(([, v]) => pathOf(v));
  };

  const membershipPayload = (locations: string[]): Payload => {
    if (isJson)
      return { headers: { 'Content-Type': 'application/occi+json' }, body: JSON.stringify({ locations }) };
    return textPayload(
      name,
      locations.map((l): [string, string] => ['X-OCCI-Location', l]),
    );
  };

  return {
    name,
    base,
    token,
    async get(location, options) {
      const response = await request('GET', location, { headers: {} }, options);
      const entity = readEntity(response);
      return entity ? { response, entity } : { response };
    },
    async categories(filter = [], options) {
      const response = await request(
        'GET',
        '/-/',
        filterPayload(filterFields({ categories: filter })),
        options,
      );
      if (response.status !== 200) return { response, categories: [] };
      const categories = isJson
        ? readJsonCategories(response.body)
        : (name === 'text/plain'
            ? readTextPlainBody(response.body)
            : readHeaderValues(response.headers, 'category').map((v): [string, string] => ['category', v])
          )
            .filter(([n]) => n === 'category')
            .map(([, v]) => readCategoryValue(v));
      // Locations compared as paths (the contract suite checks they are absolute).
      for (const c of categories) if (c.location) c.location = pathOf(c.location);
      return { response, categories };
    },
    async addMixin(definition) {
      const added = await base.addMixin(definition, { token });
      for (const c of added.categories) if (c.location) c.location = pathOf(c.location);
      return added;
    },
    removeMixin(mixin) {
      return base.removeMixin({ class: 'mixin', ...mixin }, { token });
    },
    async list(path, filter = {}, options) {
      const response = await request('GET', path, filterPayload(filterFields(filter)), options);
      return { response, locations: readLocations(response) };
    },
    async create(collection, input, options) {
      const response = await request('POST', collection, entityPayload(name, input), options);
      const header = response.headers.get('location');
      const location = header === null ? undefined : pathOf(header);
      // OCCI 1.2: a 201 carries the location; the entity is rendered only with 200 (on request).
      const entity = response.status === 200 ? readEntity(response) : undefined;
      return { response, ...(location ? { location } : {}), ...(entity ? { entity } : {}) };
    },
    update(location, input, options) {
      return request('POST', location, entityPayload(name, input), options);
    },
    replace(location, input, options) {
      return request('PUT', location, entityPayload(name, input), options);
    },
    action(location, actionId, attributes = {}, options = {}) {
      const t = options.token === undefined ? token : options.token;
      return base.action(location, actionId, { attributes, ...(t === null ? {} : { token: t }) });
    },
    async members(method, mixinLocation, locations, options) {
      const response = await request(method, mixinLocation, membershipPayload(locations), options);
      return { response, locations: readLocations(response) };
    },
    delete(location, options) {
      return request('DELETE', location, { headers: {} }, options);
    },
    error(response) {
      return base.error(response);
    },
  };
}
