// An OCCI client with the habits of the previous snf-occi's users: plain HTTP requests written by
// hand (as their curl scripts and ooi JSON clients wrote them), no redirects followed, collection
// paths without the trailing '/', and every URL taken from the answers as given (absolute). Its
// readers are its own (with the small text readers of test/support/occi-clients.ts), so it checks
// the server's renderings rather than reusing them; it keeps the raw header lines of each answer
// so that suites can count them as Python's http.client does.
import { request as httpRequest } from 'node:http';
import {
  readHeaderValues,
  readTextPlainBody,
  splitOutsideQuotes,
  unquoteText,
} from '../support/occi-clients.js';

export type Rendering = 'text/plain' | 'text/occi' | 'application/occi+json';
export const RENDERINGS: Rendering[] = ['text/plain', 'text/occi', 'application/occi+json'];

export const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
export const COMPUTE = `${INFRA}compute`;
export const NETWORK = `${INFRA}network`;
export const STORAGE = `${INFRA}storage`;
export const NETWORKINTERFACE = `${INFRA}networkinterface`;
export const STORAGELINK = `${INFRA}storagelink`;
export const IPNETWORK = 'http://schemas.ogf.org/occi/infrastructure/network#ipnetwork';
export const ACTION = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';
export const OS_SCHEME = 'http://schemas.openstack.org/template/os#';
export const RESOURCE_SCHEME = 'http://schemas.openstack.org/template/resource#';
/** C1R1024D20ext_archipelago: a flavor whose servers take the volumes snf-occi creates. */
export const DETACHABLE_FLAVOR = `${RESOURCE_SCHEME}49`;

export interface Answer {
  status: number;
  /** Header lines as received, names in lower case, repeated lines kept apart. */
  lines: [string, string][];
  headers: Headers;
  body: string;
}

/** One HTTP request; nothing is added but Host and Content-Length; redirects are not followed. */
export function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const target = new URL(url);
  const all = {
    ...headers,
    ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }),
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method,
        path: target.pathname + target.search,
        headers: all,
        agent: false,
        maxHeaderSize: 1 << 20,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const lines: [string, string][] = [];
          const out = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            lines.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
            out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          }
          resolve({
            status: res.statusCode ?? 0,
            lines,
            headers: out,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function category(id: string, cls: 'kind' | 'mixin' | 'action'): string {
  const hash = id.lastIndexOf('#');
  return `${id.slice(hash + 1)}; scheme="${id.slice(0, hash + 1)}"; class="${cls}"`;
}

type Value = string | number | boolean;

function attribute(name: string, value: Value): string {
  return `${name}=${typeof value === 'string' ? quote(value) : String(value)}`;
}

/** What a request carries, whatever the rendering. */
export interface Body {
  kind?: string;
  mixins?: string[];
  attributes?: Record<string, Value>;
  action?: string;
  /** X-OCCI-Location values (mixin membership). */
  locations?: string[];
  /** Link fields (text) as written. */
  links?: string[];
}

/** The fields a text request carries, in order. */
function fields(body: Body): [string, string][] {
  return [
    ...(body.kind ? [['Category', category(body.kind, 'kind')] as [string, string]] : []),
    ...(body.mixins ?? []).map((m): [string, string] => ['Category', category(m, 'mixin')]),
    ...(body.action ? [['Category', category(body.action, 'action')] as [string, string]] : []),
    ...(body.links ?? []).map((l): [string, string] => ['Link', l]),
    ...Object.entries(body.attributes ?? {}).map(([n, v]): [string, string] => [
      'X-OCCI-Attribute',
      attribute(n, v),
    ]),
    ...(body.locations ?? []).map((l): [string, string] => ['X-OCCI-Location', l]),
  ];
}

/** A request in a rendering: text/plain lines, text/occi headers (one per field), or OCCI JSON. */
export function encode(rendering: Rendering, body: Body): { headers: Record<string, string>; body?: string } {
  if (rendering === 'text/plain') {
    const f = fields(body);
    return { headers: { 'Content-Type': 'text/plain' }, body: f.map(([n, v]) => `${n}: ${v}\n`).join('') };
  }
  if (rendering === 'text/occi') {
    const headers: Record<string, string> = { 'Content-Type': 'text/occi' };
    for (const [n, v] of fields(body)) headers[n] = headers[n] === undefined ? v : `${headers[n]}, ${v}`;
    return { headers };
  }
  let doc: unknown;
  if (body.action) doc = { action: body.action, attributes: body.attributes ?? {} };
  else if (body.locations) doc = body.locations;
  else
    doc = {
      ...(body.kind ? { kind: body.kind } : {}),
      ...(body.mixins?.length ? { mixins: body.mixins } : {}),
      attributes: body.attributes ?? {},
    };
  return { headers: { 'Content-Type': 'application/occi+json' }, body: JSON.stringify(doc) };
}

/** The OCCI text fields of an answer: body lines (text/plain) or headers (text/occi). */
export function textFields(rendering: Rendering, answer: Answer): [string, string][] {
  if (rendering === 'text/plain') return readTextPlainBody(answer.body);
  return ['category', 'link', 'x-occi-attribute', 'x-occi-location'].flatMap((name) =>
    readHeaderValues(answer.headers, name).map((v): [string, string] => [name, v]),
  );
}

/**
 * The locations an answer names, as a client cuts them out: X-OCCI-Location in text, and in JSON
 * a bare array of locations (rOCCI's form) or one location string; anything else names none.
 */
export function locations(rendering: Rendering, answer: Answer): string[] {
  if (rendering !== 'application/occi+json')
    return textFields(rendering, answer)
      .filter(([n]) => n === 'x-occi-location')
      .map(([, v]) => v);
  if (answer.body.trim() === '') return [];
  const doc = JSON.parse(answer.body) as unknown;
  const items = Array.isArray(doc) ? doc : [doc];
  return items.filter((i): i is string => typeof i === 'string');
}

/** An entity as an answer renders it. */
export interface Entity {
  kind: string;
  mixins: string[];
  attributes: Record<string, Value>;
  actions: string[];
  links: { self?: string; target: string; kind?: string; attributes: Record<string, Value> }[];
}

function readValue(raw: string): Value {
  const v = raw.trim();
  if (v.startsWith('"')) return unquoteText(v);
  if (v === 'true' || v === 'false') return v === 'true';
  return Number(v);
}

function readPair(text: string): [string, Value] {
  const eq = text.indexOf('=');
  return [text.slice(0, eq).trim(), readValue(text.slice(eq + 1))];
}

export function entity(rendering: Rendering, answer: Answer): Entity {
  if (rendering === 'application/occi+json') {
    const doc = JSON.parse(answer.body) as {
      kind: string;
      mixins?: string[];
      attributes?: Record<string, Value>;
      actions?: string[];
      links?: {
        kind?: string;
        id: string;
        target: { location: string };
        attributes?: Record<string, Value>;
      }[];
    };
    return {
      kind: doc.kind,
      mixins: doc.mixins ?? [],
      attributes: doc.attributes ?? {},
      actions: doc.actions ?? [],
      links: (doc.links ?? []).map((l) => ({
        target: l.target.location,
        ...(l.kind ? { kind: l.kind } : {}),
        attributes: l.attributes ?? {},
      })),
    };
  }
  const out: Entity = { kind: '', mixins: [], attributes: {}, actions: [], links: [] };
  for (const [name, value] of textFields(rendering, answer)) {
    if (name === 'category') {
      const [term = '', ...params] = splitOutsideQuotes(value, ';');
      const p = Object.fromEntries(params.filter((x) => x.includes('=')).map((x) => readPair(x)));
      const id = `${p.scheme}${term.trim()}`;
      if (p.class === 'kind') out.kind = id;
      else if (p.class === 'mixin') out.mixins.push(id);
    } else if (name === 'x-occi-attribute') {
      const [n, v] = readPair(value);
      out.attributes[n] = v;
    } else if (name === 'link') {
      const [head = '', ...params] = splitOutsideQuotes(value, ';');
      const target = head.trim().replace(/^<|>$/g, '');
      const p = params.filter((x) => x.includes('=')).map((x) => readPair(x));
      const get = (k: string) => p.find(([n]) => n === k)?.[1];
      if (target.includes('?action=')) {
        out.actions.push(String(get('rel')));
        continue;
      }
      const self = get('self');
      const kind = String(get('category') ?? '').split(' ')[0];
      out.links.push({
        target,
        ...(self !== undefined ? { self: String(self) } : {}),
        ...(kind ? { kind } : {}),
        attributes: Object.fromEntries(p.filter(([n]) => !['rel', 'self', 'category'].includes(n))),
      });
    }
  }
  return out;
}

/** The error message of an answer, where its rendering puts it. */
export function errorOf(rendering: Rendering, answer: Answer): string {
  if (rendering === 'application/occi+json') {
    try {
      return (JSON.parse(answer.body) as { error: { message: string } }).error.message;
    } catch {
      return answer.body;
    }
  }
  return answer.body.trim();
}

/** A client of one rendering, with a token, against a server whose base URL is `base()`. */
export class PlainClient {
  constructor(
    readonly rendering: Rendering,
    private readonly base: () => string,
    readonly token: string,
    /** Extra headers on every request (e.g. a User-Agent). */
    readonly extra: Record<string, string> = {},
  ) {}

  /** A URL as given (absolute), or a path on the server. */
  url(location: string): string {
    return /^https?:\/\//.test(location) ? location : this.base() + location;
  }

  request(
    method: string,
    location: string,
    body?: Body,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const encoded = body ? encode(this.rendering, body) : { headers: {} };
    return send(
      this.url(location),
      method,
      { Accept: this.rendering, 'X-Auth-Token': this.token, ...this.extra, ...encoded.headers, ...headers },
      'body' in encoded ? encoded.body : undefined,
    );
  }

  get(location: string, headers?: Record<string, string>) {
    return this.request('GET', location, undefined, headers);
  }

  delete(location: string) {
    return this.request('DELETE', location);
  }

  /** POST ?action=term with the action's Category (and attributes). */
  action(location: string, term: string, attributes: Record<string, Value> = {}) {
    return this.request('POST', `${location}?action=${term}`, { action: ACTION + term, attributes });
  }

  locations(answer: Answer) {
    return locations(this.rendering, answer);
  }

  entity(answer: Answer) {
    return entity(this.rendering, answer);
  }

  error(answer: Answer) {
    return errorOf(this.rendering, answer);
  }
}

/** Polls GET until `done` holds of the entity (as a client does while a server builds). */
export async function pollUntil(
  client: PlainClient,
  location: string,
  done: (e: Entity) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<Entity> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await client.get(location);
    if (answer.status !== 200) throw new Error(`GET ${location}: ${answer.status} ${answer.body}`);
    const e = client.entity(answer);
    if (done(e)) return e;
    if (Date.now() > deadline)
      throw new Error(`${location} never became ${what}: ${answer.body.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
