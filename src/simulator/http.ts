// The HTTP front door: splits the URL, picks the API root, applies injected faults, routes (400 for
// unknown endpoints, 405 with Allow), authenticates, reads a bounded body, runs the handler and
// writes the reply. Every failure becomes a Synnefo fault; nothing a client sends can throw out of here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from './auth.js';
import { CycladesFault, endpointNotFound, faultForStatus, notAllowed, toFault } from './faults.js';
import type { FaultInjector, InjectedFault } from './fault-injection.js';
import type { User } from './model.js';
import type { Ctx, Reply } from './request.js';
import type { RequestLog } from './request-log.js';
import type { Route } from './router.js';
import type { Service } from './routes.js';
import type { Sim } from './sim.js';

/** Request bodies above this get 413; Cyclades bodies are small (personality files ≤ 10 KiB each). */
export const BODY_LIMIT = 1024 * 1024;
/** Past this, stop draining an oversize body and close the connection after the 413. */
const DRAIN_LIMIT = 16 * 1024 * 1024;

const JSON_TYPE = 'application/json; charset=UTF-8';
const CACHE_CONTROL = 'no-cache, no-store, must-revalidate, max-age=0';
const ANONYMOUS: User = { token: '', id: '', projectId: '', name: '' };

export interface App {
  sim: Sim;
  services: Map<string, Service>;
  /** Path prefix of the public base URL (e.g. '/cyclades'), stripped when present; '' if none. */
  prefix: string;
  faults: FaultInjector;
  log: RequestLog;
  admin(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams | null): void;
  onError(err: unknown): void;
}

interface Exchange {
  app: App;
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  /** An `after` fault: whatever happens, the client gets this instead. */
  injected: InjectedFault | null;
}

export function createListener(app: App): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    let path = qi < 0 ? url : url.slice(0, qi);
    const query = qi < 0 ? null : new URLSearchParams(url.slice(qi + 1));
    if (app.prefix !== '' && path.startsWith(`${app.prefix}/`)) path = path.slice(app.prefix.length);
    const ex: Exchange = { app, req, res, method, path, injected: null };
    try {
      if (path === '/_simulator' || path.startsWith('/_simulator/')) {
        app.admin(req, res, path, query);
        return;
      }
      dispatch(ex, query);
    } catch (err) {
      fail(ex, err);
    }
  };
}

function resolveService(app: App, path: string): { service: Service; sub: string } | null {
  const i1 = path.indexOf('/', 1);
  if (i1 < 0) return null;
  const i2 = path.indexOf('/', i1 + 1);
  const service = app.services.get(i2 < 0 ? path.slice(1) : path.slice(1, i2));
  if (!service) return null;
  return { service, sub: i2 < 0 ? '' : path.slice(i2) };
}

function dispatch(ex: Exchange, query: URLSearchParams | null): void {
  const { app, method } = ex;
  const resolved = resolveService(app, ex.path);
  if (!resolved) throw endpointNotFound();
  const { service, sub } = resolved;

  const injected = app.faults.size > 0 ? app.faults.take(method, sub) : null;
  if (injected && !injected.after) {
    sendInjected(ex, injected);
    return;
  }
  ex.injected = injected;

  let match = service.router.match(method, sub);
  if (match.kind === 'none' && service.trailingSlash && sub.length > 1 && sub.endsWith('/')) {
    match = service.router.match(method, sub.slice(0, -1));
  }
  if (match.kind === 'none' && service.jsonSuffix && sub.endsWith('.json')) {
    match = service.router.match(method, sub.slice(0, -5));
  }
  if (match.kind === 'none') throw endpointNotFound();
  if (match.kind === 'method') throw notAllowed(match.allow, service.bare405);

  const { route, params } = match;
  const user = route.public ? ANONYMOUS : authenticate(app.sim.store, ex.req.headers, query);
  const headers = ex.req.headers;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    invoke(ex, route, { method, params, query, headers, body: null, user, sim: app.sim });
    return;
  }
  if (Number(headers['content-length'] ?? 0) > DRAIN_LIMIT) {
    sendFault(ex, tooLarge(), true);
    return;
  }
  readBody(ex.req).then(
    (body) => {
      if (body === 'aborted') return;
      if (body === 'too-large' || body === 'too-large-close') {
        sendFault(ex, tooLarge(), body === 'too-large-close');
        return;
      }
      try {
        invoke(ex, route, { method, params, query, headers, body, user, sim: app.sim });
      } catch (err) {
        fail(ex, err);
      }
    },
    (err) => fail(ex, err),
  );
}

const tooLarge = () => new CycladesFault(413, 'overLimit', 'Request body too large');

/** Runs the handler; no closures on the synchronous path, which is the hot one. */
function invoke(ex: Exchange, route: Route, ctx: Ctx): void {
  const mutating = ctx.method !== 'GET' && ctx.method !== 'HEAD';
  if (mutating) ex.app.sim.store.generation++;
  const result = route.handler(ctx);
  if (result instanceof Promise) {
    result.then(
      (reply) => finish(ex, reply, mutating),
      (err) => fail(ex, err),
    );
  } else finish(ex, result, mutating);
}

function finish(ex: Exchange, reply: Reply, mutating: boolean): void {
  if (mutating) ex.app.sim.store.generation++;
  if (ex.injected) sendInjected(ex, ex.injected);
  else send(ex, reply);
}

type BodyResult = Buffer | 'too-large' | 'too-large-close' | 'aborted';

function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      resolve(r);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
      else if (size > DRAIN_LIMIT) {
        req.pause();
        finish('too-large-close');
      }
    });
    req.on('end', () => finish(size > BODY_LIMIT ? 'too-large' : Buffer.concat(chunks, size)));
    req.on('error', () => finish('aborted'));
    req.on('close', () => finish('aborted'));
  });
}

// --- writing replies ---

function send(ex: Exchange, reply: Reply): void {
  const { res } = ex;
  if (res.headersSent || res.destroyed) return;
  try {
    let text: string | undefined = reply.json;
    if (text === undefined && reply.body !== undefined && reply.status !== 204 && reply.status !== 304) {
      text = JSON.stringify(reply.body);
    }
    // A flat [name, value, …] list: the cheapest form for writeHead.
    const headers: string[] = ['Vary', 'X-Auth-Token', 'Cache-Control', CACHE_CONTROL];
    if (reply.headers) for (const [k, v] of Object.entries(reply.headers)) headers.push(k, v);
    if (text === undefined) headers.push('Content-Length', '0');
    else headers.push('Content-Type', JSON_TYPE, 'Content-Length', String(Buffer.byteLength(text)));
    res.writeHead(reply.status, headers);
    res.end(text);
  } catch (err) {
    // Only an unserializable body (an operator's injected one) or a header Node refuses gets here;
    // answer like Synnefo's catch-all instead of dropping the connection.
    ex.app.onError(err);
    if (!res.headersSent) {
      const body = JSON.stringify(faultForStatus(500).toBody());
      res.writeHead(500, ['Content-Type', JSON_TYPE, 'Content-Length', String(Buffer.byteLength(body))]);
      res.end(body);
    } else res.destroy();
    ex.app.log.add(ex.method, ex.path, 500);
    return;
  }
  ex.app.log.add(ex.method, ex.path, reply.status);
}

function sendFault(ex: Exchange, f: CycladesFault, close = false): void {
  const headers: Record<string, string> = { ...f.headers };
  if (close) headers.Connection = 'close';
  if (f.bare) send(ex, { status: f.status, headers });
  else send(ex, { status: f.status, body: f.toBody(), headers });
}

function fail(ex: Exchange, err: unknown): void {
  if (!(err instanceof CycladesFault)) ex.app.onError(err);
  if (ex.injected) sendInjected(ex, ex.injected);
  else sendFault(ex, toFault(err));
}

function sendInjected(ex: Exchange, f: InjectedFault): void {
  const act = () => {
    if (f.drop) {
      ex.app.log.add(ex.method, ex.path, 0);
      ex.req.socket.destroy();
      return;
    }
    const body = f.body !== undefined ? f.body : faultForStatus(f.status).toBody();
    send(ex, { status: f.status, body });
  };
  const guarded = () => {
    try {
      act();
    } catch (err) {
      ex.app.onError(err);
      ex.res.destroy();
    }
  };
  if (f.delayMs && f.delayMs > 0) setTimeout(guarded, f.delayMs);
  else guarded();
}
