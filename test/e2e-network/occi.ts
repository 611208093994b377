// A thin layer over the rendering adapters of test/support/occi-clients.ts for the network,
// storage and link tests: what those adapters leave out (links inline in a create, link entities
// with a source and a target, reading entities and collections back) written for each rendering,
// with readers of its own, independent of the server's parsers and renderers.
import {
  type AttributeValue,
  type EntityInput,
  INFRA,
  type OcciClient,
  type OcciResponse,
  pathOf,
  readHeaderValues,
  withPaths,
  readTextPlainBody,
  splitOutsideQuotes,
  unquoteText,
} from '../support/occi-clients.js';

export const NETWORK = `${INFRA}network`;
export const IPRESERVATION = `${INFRA}ipreservation`;
export const STORAGE = `${INFRA}storage`;
export const COMPUTE = `${INFRA}compute`;
export const NETWORKINTERFACE = `${INFRA}networkinterface`;
export const STORAGELINK = `${INFRA}storagelink`;
export const IPNETWORK = 'http://schemas.ogf.org/occi/infrastructure/network#ipnetwork';
export const IPNETWORKINTERFACE =
  'http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface';
/** C1R1024D20ext_archipelago: a flavor on the detachable volume type, so volumes can be linked. */
export const DETACHABLE_FLAVOR = 'http://schemas.openstack.org/template/resource#49';

/** Where each kind's entities live (JSON collections carry ids, not locations). */
const LOCATIONS: Record<string, string> = {
  [COMPUTE]: '/compute/',
  [NETWORK]: '/network/',
  [IPRESERVATION]: '/ipreservation/',
  [STORAGE]: '/storage/',
  [NETWORKINTERFACE]: '/link/networkinterface/',
  [STORAGELINK]: '/link/storagelink/',
};

/** A link as a client gives it inline in a compute create. */
export interface InlineLink {
  kind: string;
  target: string;
  targetKind: string;
  mixins?: string[];
  attributes?: Record<string, AttributeValue>;
}

/** A link entity to create (POST to a link kind's collection). */
export interface LinkInput {
  kind: string;
  source: string;
  target: string;
  targetKind: string;
  mixins?: string[];
  attributes?: Record<string, AttributeValue>;
}

/** A link as a resource renders it (or a link entity). */
export interface RenderedLink {
  /** The link's own location (`self`). */
  location?: string;
  kind?: string;
  mixins: string[];
  target: string;
  targetKind?: string;
  attributes: Record<string, AttributeValue>;
}

export interface RenderedEntity {
  kind: string;
  mixins: string[];
  attributes: Record<string, AttributeValue>;
  links: RenderedLink[];
  /** Action type identifiers the entity offers (text: action Link lines; JSON: `actions`). */
  actions: string[];
}

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function attributeText(name: string, value: AttributeValue): string {
  return `${name}=${typeof value === 'string' ? quote(value) : String(value)}`;
}

function splitTypeId(id: string): { scheme: string; term: string } {
  const hash = id.lastIndexOf('#');
  return { scheme: id.slice(0, hash + 1), term: id.slice(hash + 1) };
}

function categoryLine(id: string, cls: string): string {
  const { scheme, term } = splitTypeId(id);
  return `${term}; scheme="${scheme}"; class="${cls}"`;
}

/** A Link header value: `</network/7>; rel="…#network"; category="…#networkinterface …"; a="b"`. */
function linkText(l: InlineLink): string {
  const parts = [
    `<${l.target}>`,
    `rel="${l.targetKind}"`,
    `category="${[l.kind, ...(l.mixins ?? [])].join(' ')}"`,
  ];
  for (const [n, v] of Object.entries(l.attributes ?? {})) parts.push(attributeText(n, v));
  return parts.join('; ');
}

/** A text attribute value: quoted string, or a bare number or boolean. */
function attributeValue(raw: string): AttributeValue {
  const v = raw.trim();
  if (v.startsWith('"')) return unquoteText(v);
  if (v === 'true' || v === 'false') return v === 'true';
  return Number(v);
}

function readAttribute(text: string): [string, AttributeValue] {
  const eq = text.indexOf('=');
  return [text.slice(0, eq).trim(), attributeValue(text.slice(eq + 1))];
}

function readLinkText(value: string): RenderedLink | { action: string } {
  const [head = '', ...rest] = splitOutsideQuotes(value, ';');
  const target = /<([^>]*)>/.exec(head)?.[1] ?? '';
  const params: Record<string, string> = {};
  const attributes: Record<string, AttributeValue> = {};
  for (const part of rest) {
    if (part.trim() === '') continue;
    const [name, v] = readAttribute(part);
    if (['rel', 'self', 'category'].includes(name)) params[name] = String(v);
    else attributes[name] = v;
  }
  if (target.includes('?action=')) return { action: params.rel ?? '' };
  const [kind, ...mixins] = (params.category ?? '').split(/\s+/).filter(Boolean);
  return {
    ...(params.self ? { location: pathOf(params.self) } : {}),
    ...(kind ? { kind } : {}),
    mixins,
    target: pathOf(target),
    ...(params.rel ? { targetKind: params.rel } : {}),
    attributes: withPaths(attributes),
  };
}

function readTextEntity(fields: [string, string][]): RenderedEntity {
  const entity: RenderedEntity = { kind: '', mixins: [], attributes: {}, links: [], actions: [] };
  for (const [name, value] of fields) {
    if (name === 'category') {
      const term = value.split(';')[0]!.trim();
      const scheme = /scheme="([^"]*)"/.exec(value)?.[1] ?? '';
      const cls = /class="([^"]*)"/.exec(value)?.[1];
      if (cls === 'kind') entity.kind = scheme + term;
      else if (cls === 'mixin') entity.mixins.push(scheme + term);
    } else if (name === 'x-occi-attribute') {
      const [n, v] = readAttribute(value);
      entity.attributes[n] = v;
    } else if (name === 'link') {
      const link = readLinkText(value);
      if ('action' in link) entity.actions.push(link.action);
      else entity.links.push(link);
    }
  }
  return { ...entity, attributes: withPaths(entity.attributes) };
}

/** The fields of a text/occi answer, one value per field (headers split at commas outside quotes). */
function headerFields(headers: Headers): [string, string][] {
  return ['category', 'link', 'x-occi-attribute', 'x-occi-location'].flatMap((name) =>
    readHeaderValues(headers, name).map((v): [string, string] => [name, v]),
  );
}

type JsonEntity = {
  kind: string;
  id: string;
  mixins?: string[];
  attributes?: Record<string, AttributeValue>;
  actions?: string[];
  links?: JsonEntity[];
  target?: { location: string; kind?: string };
};

function readJsonLink(l: JsonEntity): RenderedLink {
  return {
    location: `${LOCATIONS[l.kind] ?? '/'}${encodeURIComponent(l.id)}`,
    kind: l.kind,
    mixins: l.mixins ?? [],
    target: pathOf(l.target?.location ?? ''),
    ...(l.target?.kind ? { targetKind: l.target.kind } : {}),
    attributes: withPaths(l.attributes ?? {}),
  };
}

function readJsonEntity(e: JsonEntity): RenderedEntity {
  return {
    kind: e.kind,
    mixins: e.mixins ?? [],
    attributes: withPaths(e.attributes ?? {}),
    links: (e.links ?? []).map(readJsonLink),
    actions: e.actions ?? [],
  };
}

/** The OCCI operations the network, storage and link tests use, in one client's rendering. */
export class Occi {
  constructor(
    readonly client: OcciClient,
    private readonly token: string,
  ) {}

  get name() {
    return this.client.name;
  }

  private get json() {
    return this.client.name === 'application/occi+json';
  }

  private send(method: string, path: string, headers: Record<string, string>, body?: string) {
    return this.client.raw(method, path, {
      token: this.token,
      headers: { ...this.extra, ...headers },
      ...(body === undefined ? {} : { body }),
    });
  }

  /** Headers added to the next request only (see `represented`). */
  private extra: Record<string, string> = {};

  /**
   * Runs a create asking for the full rendering (`Prefer: return=representation`): 200 with the
   * entity instead of 201 with its location.
   */
  async represented(create: (occi: Occi) => Promise<OcciResponse>): Promise<OcciResponse> {
    this.extra = { Prefer: 'return=representation' };
    try {
      return await create(this);
    } finally {
      this.extra = {};
    }
  }

  /** POST to a kind collection; `links` go inline (Link fields, or JSON `links`). */
  create(location: string, input: EntityInput & { links?: InlineLink[] }): Promise<OcciResponse> {
    const links = input.links ?? [];
    if (links.length === 0)
      return this.client.create(location, input, { token: this.token, headers: this.extra });
    const attributes = Object.entries(input.attributes ?? {});
    switch (this.client.name) {
      case 'application/occi+json':
        return this.send(
          'POST',
          location,
          { 'Content-Type': 'application/occi+json' },
          JSON.stringify({
            kind: input.kind,
            ...(input.mixins?.length ? { mixins: input.mixins } : {}),
            attributes: input.attributes ?? {},
            links: links.map((l) => ({
              kind: l.kind,
              ...(l.mixins?.length ? { mixins: l.mixins } : {}),
              target: { location: l.target, kind: l.targetKind },
              attributes: l.attributes ?? {},
            })),
          }),
        );
      case 'text/plain': {
        const lines = [
          `Category: ${categoryLine(input.kind, 'kind')}`,
          ...(input.mixins ?? []).map((m) => `Category: ${categoryLine(m, 'mixin')}`),
          ...links.map((l) => `Link: ${linkText(l)}`),
          ...attributes.map(([n, v]) => `X-OCCI-Attribute: ${attributeText(n, v)}`),
        ];
        return this.send(
          'POST',
          location,
          { 'Content-Type': 'text/plain' },
          lines.map((l) => `${l}\n`).join(''),
        );
      }
      case 'text/occi': {
        const headers: Record<string, string> = {
          'Content-Type': 'text/occi',
          Category: [
            categoryLine(input.kind, 'kind'),
            ...(input.mixins ?? []).map((m) => categoryLine(m, 'mixin')),
          ].join(', '),
          Link: links.map(linkText).join(', '),
        };
        if (attributes.length)
          headers['X-OCCI-Attribute'] = attributes.map(([n, v]) => attributeText(n, v)).join(', ');
        return this.send('POST', location, headers);
      }
    }
  }

  /** POST a link entity to its kind's collection: source and target as OCCI 1.2 has them. */
  createLink(location: string, input: LinkInput): Promise<OcciResponse> {
    if (this.json) {
      return this.send(
        'POST',
        location,
        { 'Content-Type': 'application/occi+json' },
        JSON.stringify({
          kind: input.kind,
          ...(input.mixins?.length ? { mixins: input.mixins } : {}),
          source: { location: input.source, kind: COMPUTE },
          target: { location: input.target, kind: input.targetKind },
          attributes: input.attributes ?? {},
        }),
      );
    }
    return this.client.create(
      location,
      {
        kind: input.kind,
        ...(input.mixins ? { mixins: input.mixins } : {}),
        attributes: {
          'occi.core.source': input.source,
          'occi.core.target': input.target,
          ...input.attributes,
        },
      },
      { token: this.token, headers: this.extra },
    );
  }

  async get(location: string): Promise<{ response: OcciResponse; entity?: RenderedEntity }> {
    const response = await this.client.raw('GET', location, { token: this.token });
    if (response.status !== 200) return { response };
    return { response, entity: this.readEntity(response) };
  }

  readEntity(response: OcciResponse): RenderedEntity {
    switch (this.client.name) {
      case 'application/occi+json':
        return readJsonEntity(JSON.parse(response.body) as JsonEntity);
      case 'text/plain':
        return readTextEntity(readTextPlainBody(response.body));
      case 'text/occi':
        return readTextEntity(headerFields(response.headers));
    }
  }

  /** The locations a collection lists. */
  async list(location: string): Promise<{ response: OcciResponse; locations: string[] }> {
    const response = await this.client.raw('GET', location, { token: this.token });
    if (response.status !== 200) return { response, locations: [] };
    let locations: string[];
    if (this.json) {
      const doc = JSON.parse(response.body) as { resources?: JsonEntity[]; links?: JsonEntity[] };
      locations = [...(doc.resources ?? []), ...(doc.links ?? [])].map(
        (e) => `${LOCATIONS[e.kind] ?? '/'}${encodeURIComponent(e.id)}`,
      );
    } else {
      const fields =
        this.client.name === 'text/plain' ? readTextPlainBody(response.body) : headerFields(response.headers);
      locations = fields.filter(([n]) => n === 'x-occi-location').map(([, v]) => pathOf(v));
    }
    return { response, locations: locations.sort() };
  }

  delete(location: string): Promise<OcciResponse> {
    return this.client.raw('DELETE', location, { token: this.token });
  }

  action(location: string, actionId: string, attributes: Record<string, AttributeValue> = {}) {
    return this.client.action(location, actionId, { token: this.token, attributes });
  }

  error(response: OcciResponse): string | undefined {
    return this.client.error(response);
  }
}

/** The location a create answered with (the Location header, made relative). */
export function locationOf(response: OcciResponse): string {
  return pathOf(response.headers.get('location') ?? '');
}

/** The id at the end of a location. */
export const idOf = (location: string) => location.split('/').pop()!;
