// A tiny scripted HTTP backend for engine tests: an in-process node:http server on port 0 that
// records every request it receives (method, path, query, headers, JSON body) and answers from a
// table of scripted replies, matched by method and a path regex (the latest scripted match wins).
// A reply can be delayed, destroy the socket, send a non-JSON or a huge body, or never answer.
// It also plays Keystone v2 for the real mappings/cyclades/backend.yaml identity rule:
// POST /identity/v2.0/tokens returns the user and a service catalog pointing back at itself for
// known tokens, 401 otherwise. Nothing here depends on the Cyclades simulator.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, as sent (not decoded). */
  path: string;
  query: Record<string, string>;
  /** Header values by lower-case name. */
  headers: IncomingHttpHeaders;
  /** The X-Auth-Token header, if any. */
  token?: string;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  body?: unknown;
  rawBody: string;
  /** When it arrived (Date.now()). */
  at: number;
}

export interface FakeReply {
  status?: number;
  /** JSON body (serialised); omitted for an empty body. */
  body?: unknown;
  /** A raw body sent as is (e.g. an HTML error page), instead of `body`. */
  raw?: string;
  /** A body of this many bytes (valid JSON: a long string), streamed. */
  hugeBytes?: number;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Destroy the connection instead of answering. */
  destroy?: boolean;
  /** Never send the headers (the connection stays open until the client gives up). */
  hang?: boolean;
  /** Send the headers and this start of a body, then stall (never end the body). */
  stallAfter?: string;
}

export type ReplyFn = (req: RecordedRequest, match: RegExpExecArray) => FakeReply | Promise<FakeReply>;

export interface FakeRoute {
  method: string;
  /** Regex (or a string compiled to one, anchored) matched against the request path. */
  path: RegExp | string;
  reply: FakeReply | ReplyFn;
  /** Answer only this many times, then fall through to older routes. */
  times?: number;
}

export interface FakeUser {
  id: string;
  name?: string;
}

export interface FakeBackend {
  /** Base URL, no trailing slash. */
  readonly url: string;
  /** The identity URL to give MappingService (`<url>/identity/v2.0`). */
  readonly identityUrl: string;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** Tokens the identity endpoint accepts. */
  readonly tokens: Map<string, FakeUser>;
  /** Adds a route; later routes take precedence over earlier ones. */
  script(route: FakeRoute): void;
  /** Shorthand: `on('GET', '/compute/v2.0/servers/42', {status: 200, body})`. */
  on(method: string, path: RegExp | string, reply: FakeReply | ReplyFn, times?: number): void;
  /** Requests other than identity checks (and, unless asked, template listings). */
  calls(options?: { includeIdentity?: boolean; includeTemplates?: boolean }): RecordedRequest[];
  /** Forgets recorded requests and scripted routes (keeps tokens and presets). */
  reset(): void;
  close(): Promise<void>;
}

export const IDENTITY_PATH = '/identity/v2.0/tokens';
export const TEMPLATE_PATHS = /^\/compute\/v2\.0\/(images|flavors)\/detail$/;

export interface FakeBackendOptions {
  /** Known tokens → users (default: one token `tok-alice` for user `alice-uuid`). */
  tokens?: Record<string, FakeUser>;
  /** Serve the Cyclades image and flavor listings the shipped templates read (default true). */
  cycladesTemplates?: boolean;
}

/** Public images as Cyclades lists them (one inactive, to check it is filtered out). */
export const FAKE_IMAGES = [
  {
    id: 'img-debian',
    name: 'Debian Base',
    status: 'ACTIVE',
    metadata: { os: 'debian', users: 'root' },
  },
  {
    id: 'img-ubuntu',
    name: 'Ubuntu Server',
    status: 'ACTIVE',
    metadata: { os: 'ubuntu', users: 'user' },
  },
  { id: 'img-old', name: 'Old', status: 'DELETED', metadata: { os: 'old', users: 'root' } },
];

/** Flavors as Cyclades lists them (one that cannot create, to check it is filtered out). */
export const FAKE_FLAVORS = [
  {
    id: 1,
    name: 'C1R1024D20drbd',
    vcpus: 1,
    ram: 1024,
    disk: 20,
    'SNF:volume_type': 1,
    'SNF:allow_create': true,
  },
  {
    id: 2,
    name: 'C2R2048D40drbd',
    vcpus: 2,
    ram: 2048,
    disk: 40,
    'SNF:volume_type': 1,
    'SNF:allow_create': true,
  },
  {
    id: 99,
    name: 'C1R512D10drbd',
    vcpus: 1,
    ram: 512,
    disk: 10,
    'SNF:volume_type': 1,
    'SNF:allow_create': false,
  },
];

function compile(path: RegExp | string): RegExp {
  return typeof path === 'string' ? new RegExp(`^${path}$`) : path;
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export async function startFakeBackend(options: FakeBackendOptions = {}): Promise<FakeBackend> {
  const requests: RecordedRequest[] = [];
  const tokens = new Map<string, FakeUser>(
    Object.entries(options.tokens ?? { 'tok-alice': { id: 'alice-uuid', name: 'alice' } }),
  );
  type Entry = { method: string; path: RegExp; reply: FakeReply | ReplyFn; left: number };
  let routes: Entry[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let url = '';

  const identity = (req: RecordedRequest): FakeReply => {
    const body = req.body as { auth?: { token?: { id?: unknown } } } | undefined;
    const token = body?.auth?.token?.id;
    const user = typeof token === 'string' ? tokens.get(token) : undefined;
    if (!user) {
      return { status: 401, body: { unauthorized: { code: 401, message: 'Invalid token' } } };
    }
    const endpoint = (type: string, version: string) => ({
      type,
      name: `cyclades_${type}`,
      endpoints: [{ region: 'default', publicURL: `${url}/${type}/${version}` }],
    });
    return {
      status: 200,
      body: {
        access: {
          token: { id: token, expires: '2099-01-01T00:00:00Z', tenant: { id: user.id, name: user.name } },
          user: { id: user.id, name: user.name ?? user.id, roles: [] },
          serviceCatalog: [
            endpoint('compute', 'v2.0'),
            endpoint('network', 'v2.0'),
            endpoint('volume', 'v2.0'),
            endpoint('image', 'v1.0'),
          ],
        },
      },
    };
  };

  const presets: Entry[] = [
    { method: 'POST', path: compile(IDENTITY_PATH), reply: identity, left: Infinity },
  ];
  if (options.cycladesTemplates !== false) {
    presets.push(
      {
        method: 'GET',
        path: /^\/compute\/v2\.0\/images\/detail$/,
        reply: { status: 200, body: { images: FAKE_IMAGES } },
        left: Infinity,
      },
      {
        method: 'GET',
        path: /^\/compute\/v2\.0\/flavors\/detail$/,
        reply: { status: 200, body: { flavors: FAKE_FLAVORS } },
        left: Infinity,
      },
    );
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const answer = async (res: ServerResponse, reply: FakeReply): Promise<void> => {
    if (reply.delayMs) await sleep(reply.delayMs);
    if (reply.hang) return; // the socket is destroyed on close()
    if (reply.destroy) {
      res.socket?.destroy();
      return;
    }
    const status = reply.status ?? 200;
    if (reply.stallAfter !== undefined) {
      res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
      res.write(reply.stallAfter);
      return; // the socket is destroyed on close()
    }
    if (reply.hugeBytes !== undefined) {
      res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
      const chunk = 'x'.repeat(64 * 1024);
      res.write('{"huge":"');
      let left = reply.hugeBytes;
      while (left > 0 && !res.destroyed) {
        const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
        left -= piece.length;
        if (!res.write(piece)) await new Promise<void>((r) => res.once('drain', r).once('close', r));
      }
      if (!res.destroyed) res.end('"}');
      return;
    }
    let text = '';
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.raw !== undefined) {
      text = reply.raw;
      headers['content-type'] ??= 'text/html';
    } else if (reply.body !== undefined) {
      text = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json';
    }
    headers['content-length'] = String(Buffer.byteLength(text));
    res.writeHead(status, headers);
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = Object.fromEntries(new URLSearchParams(q < 0 ? '' : target.slice(q + 1)));
    let body: unknown;
    if (rawBody.trim() !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
    }
    const token = firstHeader(req.headers['x-auth-token']);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      query,
      headers: req.headers,
      rawBody,
      at: Date.now(),
      ...(token === undefined ? {} : { token }),
      ...(body === undefined ? {} : { body }),
    };
    requests.push(recorded);
    for (const entry of [...routes, ...presets]) {
      if (entry.method !== recorded.method || entry.left <= 0) continue;
      const match = entry.path.exec(path);
      if (!match) continue;
      entry.left--;
      const reply = typeof entry.reply === 'function' ? await entry.reply(recorded, match) : entry.reply;
      return answer(res, reply);
    }
    return answer(res, {
      status: 404,
      body: { itemNotFound: { code: 404, message: `fake backend: no route for ${recorded.method} ${path}` } },
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.socket?.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const script = (route: FakeRoute) => {
    routes.unshift({
      method: route.method.toUpperCase(),
      path: compile(route.path),
      reply: route.reply,
      left: route.times ?? Infinity,
    });
  };
  const isTemplate = (r: RecordedRequest) => r.method === 'GET' && TEMPLATE_PATHS.test(r.path);
  const isIdentity = (r: RecordedRequest) => r.path === IDENTITY_PATH;

  return {
    url,
    identityUrl: `${url}/identity/v2.0`,
    requests,
    tokens,
    script,
    on(method, path, reply, times) {
      script({ method, path, reply, ...(times === undefined ? {} : { times }) });
    },
    calls(opts = {}) {
      return requests.filter(
        (r) => (opts.includeIdentity || !isIdentity(r)) && (opts.includeTemplates || !isTemplate(r)),
      );
    },
    reset() {
      requests.length = 0;
      routes = [];
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
