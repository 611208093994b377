// The OCCI request handler: checks the protocol version, reads and parses the request, routes it
// (query interface, collection, entity), turns it into an Operation for the entity service, and
// renders the outcome in the media type the client accepts. Every failure becomes an OCCI error
// in that media type; nothing escapes as an unhandled exception.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  Caller,
  EntityService,
  OperationResult,
  RequestContext as EngineContext,
} from '../engine/operation.js';
import type { Telemetry } from '../engine/telemetry.js';
import { badRequest, methodNotAllowed, notFound, OcciError } from '../occi/errors.js';
import { type AdminOptions, handleAdmin } from './admin.js';
import { dispatch, QUERY_PATHS } from './dispatch.js';
import { forward } from './passthrough.js';
import { type RoutedRequest, route } from './route-request.js';
import type { Category, Mixin } from '../occi/model.js';
import { typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { RuleSet } from '../mapping/load-rules.js';
import type { RenderContext, Rendered } from '../rendering/document.js';
import { negotiate, type Rendering } from '../rendering/media-types.js';
import { parseRequest } from '../rendering/parse-request.js';
import { render } from '../rendering/render.js';
import { type MixinStore, NO_MIXINS } from '../store/mixin-store.js';
import { SERVER_HEADER } from '../version.js';
import { answer, type ClientHabits, clientHabits, errorFor, serverHeader } from './client-answers.js';
import { type LocationBase, localizeRequest, renderLocation } from './public-locations.js';
import type { Limits } from './limits.js';
import { publicReply } from './error-reply.js';
import { type Log, loggablePath } from './log.js';
import { contextOf, noteEngineOperation, noteOperation } from './request-context.js';
import { headerLists, type Reply, readBody, send } from './request-io.js';
import { checkNewUserMixins, checkRemovedUserMixins } from './user-mixins.js';

export interface AppState {
  ruleSet: RuleSet;
  store: MixinStore;
  service: EntityService;
  log: Log;
  limits: Limits;
  /** Where locations point: absolute under a base URL, or relative paths when it has none. */
  locations: LocationBase;
  admin?: AdminOptions;
}

const SUPPORTED = { major: 1, minor: 2 };

interface OcciRequest extends RoutedRequest {
  caller: Caller;
  context: EngineContext;
}

function versionTooHigh(userAgent: string | undefined): string | undefined {
  const m = /OCCI\/(\d+)\.(\d+)/.exec(userAgent ?? '');
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major > SUPPORTED.major || (major === SUPPORTED.major && minor > SUPPORTED.minor))
    return `${major}.${minor}`;
  return undefined;
}

export function createOcciHandler(getState: () => AppState) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // One rule set for the whole request, even if a reload happens meanwhile: it travels in the
    // request context to the engine, down to the last backend call and the rendering.
    const state = getState();
    // The request's own log (its lines carry the request id); the request envelope logs its outcome.
    const context = contextOf(req);
    const log = context?.log ?? state.log;
    const requestId = context?.id ?? randomUUID();
    res.setHeader('Server', SERVER_HEADER);
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/_admin/')) {
      noteOperation(context, 'admin');
      await handleAdmin(req, res, path, state.admin).catch((e) => {
        log.error('admin request failed', { error: (e as Error).message });
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    const renderContext: RenderContext = {
      url: (path) => renderLocation(state.locations, path),
      registry: state.ruleSet.registry,
    };
    const habits = clientHabits(req.headers);
    res.setHeader('Server', serverHeader(habits));
    let reply: Reply;
    let rendering: Rendering = 'text/plain';
    try {
      const target = parseTarget(req.url ?? '/');
      if (dispatch(state.ruleSet, target.path).type === 'passthrough') {
        noteOperation(context, 'passthrough');
        await passThrough(req, res, target, state, requestId);
        return;
      }
      // Negotiate first: a request whose answer cannot be rendered must not act (406 before side effects).
      const listing =
        (req.method === 'GET' || req.method === 'HEAD') &&
        (target.path.endsWith('/') || !!state.ruleSet.registry.atLocation(`${target.path}/`)) &&
        !QUERY_PATHS.has(target.path);
      rendering = negotiate(req.headers.accept, listing);
      reply = await respond(req, target, state, renderContext, rendering, requestId, habits);
    } catch (e) {
      reply = { status: 500, document: { type: 'error', error: new OcciError(500, 'internal error') } };
      if (e instanceof OcciError) {
        const error = errorFor(e, habits);
        reply = { status: error.status, document: { type: 'error', error }, headers: error.headers };
      } else if (clientGone(req, res, e)) {
        return; // the client went away (e.g. while sending its body): logged as such by the envelope
      } else {
        log.error('unexpected error', {
          path: loggablePath(req.url ?? ''),
          error: (e as Error)?.stack ?? String(e),
        });
      }
    }
    if (rendering === 'text/uri-list' && reply.document.type !== 'collection') {
      // Not a listing after all (an error): the client's best choice among the other renderings.
      try {
        rendering = negotiate(req.headers.accept, false);
      } catch {
        rendering = 'text/plain';
      }
    }
    reply = publicReply(reply, log, context); // 5xx: a plain message and the request id; the details are logged
    if (!res.headersSent && !res.destroyed) send(res, reply, rendering, renderContext);
  };
}

/** Whether an error comes from the client going away (a read cut short), not from the server. */
function clientGone(req: IncomingMessage, res: ServerResponse, e: unknown): boolean {
  return res.destroyed || req.socket.destroyed || (e as NodeJS.ErrnoException)?.code === 'ECONNRESET';
}

interface Target {
  path: string;
  query: URLSearchParams;
}

/**
 * Splits the request target into path and query without resolving anything: a path is taken as
 * sent (no dot-segment resolution, `//x` is a path, not a host), and dot segments, even
 * percent-encoded, are refused rather than resolved.
 */
function parseTarget(raw: string): Target {
  let path: string;
  let search: string;
  if (raw.startsWith('/')) {
    const q = raw.indexOf('?');
    path = q < 0 ? raw : raw.slice(0, q);
    search = q < 0 ? '' : raw.slice(q + 1);
  } else {
    try {
      const url = new URL(raw); // absolute-form, as sent to proxies
      path = url.pathname;
      search = url.search.slice(1);
    } catch {
      throw badRequest('request target is not a valid URL');
    }
  }
  for (const segment of path.split('/')) {
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw badRequest('request path has a malformed percent-encoding');
    }
    if (decoded === '.' || decoded === '..') throw badRequest('request path has dot segments');
  }
  return { path, query: new URLSearchParams(search) };
}

async function passThrough(
  req: IncomingMessage,
  res: ServerResponse,
  target: Target,
  state: AppState,
  requestId: string,
): Promise<void> {
  const token = typeof req.headers['x-auth-token'] === 'string' ? req.headers['x-auth-token'] : undefined;
  const destination = await state.service.passthrough?.(
    { ruleSet: state.ruleSet, caller: token ? { token } : {}, requestId },
    target.path,
    target.query.toString(),
  );
  if (!destination) throw notFound(`nothing at '${target.path}'`);
  await forward(req, res, destination, state.limits.passthroughTimeoutMs);
}

async function respond(
  req: IncomingMessage,
  target: Target,
  state: AppState,
  ctx: RenderContext,
  rendering: Rendering,
  requestId: string,
  habits: ClientHabits,
): Promise<Reply> {
  const tooHigh = versionTooHigh(req.headers['user-agent']);
  if (tooHigh)
    throw new OcciError(501, `OCCI/${tooHigh} is not supported; this server speaks OCCI/1.2 and 1.1`);
  const { path, query } = target;
  const context = contextOf(req);
  const telemetry = context?.telemetry;
  if (QUERY_PATHS.has(path)) noteOperation(context, 'query');
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const body = await readBody(req, state.limits.maxBodyBytes);
  const parsed = localizeRequest(
    parseRequest({ headers: headerLists(req), contentType: req.headers['content-type'], body }),
    state.locations,
    req.headers.host,
  );
  const token = typeof req.headers['x-auth-token'] === 'string' ? req.headers['x-auth-token'] : undefined;
  const caller = await identifyCaller(state, token, telemetry);
  const engineContext: EngineContext = {
    ruleSet: state.ruleSet,
    caller,
    requestId,
    ...(telemetry ? { telemetry } : {}),
  };
  const request: OcciRequest = { method, path, query, parsed, caller, context: engineContext };

  const view = await registryView(state, engineContext);
  ctx.registry = view;
  if (QUERY_PATHS.has(path)) return queryInterface(request, state, view, rendering, ctx);
  const operation = route(request, view);
  noteEngineOperation(context, operation, state.ruleSet.registry);
  const result: OperationResult = await state.service.execute(operation, {
    ...engineContext,
    registry: view,
  });
  return answer(operation, result, habits, ctx.url);
}

/**
 * Who is calling. With a backend that validates tokens, users are known by their backend id, so
 * their mixins survive token renewal; otherwise by their token. Either way only a salted hash is
 * kept.
 */
async function identifyCaller(
  state: AppState,
  token: string | undefined,
  telemetry: Telemetry | undefined,
): Promise<Caller> {
  if (!token) return {};
  const userId = state.service.identify
    ? await state.service.identify(state.ruleSet, { token }, telemetry ? { telemetry } : {})
    : undefined;
  return { token, userKey: state.store.userKey(userId ? `user:${userId}` : `token:${token}`) };
}

/** The model as this caller sees it: the provider's categories, backend templates, their own mixins. */
async function registryView(state: AppState, context: EngineContext): Promise<CategoryRegistry> {
  const { caller } = context;
  const templates = await state.service.categories(context);
  const own = caller.userKey ? await state.store.list(caller.userKey) : NO_MIXINS;
  return viewOf(state, caller.userKey ?? '', templates, own);
}

/** Rebuilt only when one of its parts changed (template lists and user mixins are replaced, never mutated). */
function viewOf(
  state: AppState,
  key: string,
  templates: readonly Category[],
  own: readonly Category[],
): CategoryRegistry {
  const views = viewCache.get(state.ruleSet.registry) ?? new Map<string, CachedView>();
  viewCache.set(state.ruleSet.registry, views);
  const cached = views.get(key);
  if (cached && cached.templates === templates && cached.own === own) return cached.view;
  const view = state.ruleSet.registry.extend(templates).extend(own);
  views.set(key, { templates, own, view });
  if (views.size > 10_000) views.delete(views.keys().next().value!);
  return view;
}

interface CachedView {
  templates: readonly Category[];
  own: readonly Category[];
  view: CategoryRegistry;
}

const viewCache = new WeakMap<CategoryRegistry, Map<string, CachedView>>();

/**
 * The whole query interface of a view, rendered once per media type and public URL: a view is
 * never changed (new templates, user mixins or rules make a new view), so neither is its rendering.
 */
const renderedQueries = new WeakMap<CategoryRegistry, Map<string, Rendered>>();

function renderedQuery(view: CategoryRegistry, rendering: Rendering, state: AppState, ctx: RenderContext) {
  const byType = renderedQueries.get(view) ?? new Map<string, Rendered>();
  renderedQueries.set(view, byType);
  const key = `${rendering} ${state.locations.base ?? ''}`;
  let rendered = byType.get(key);
  if (!rendered) {
    rendered = render({ type: 'categories', categories: view.all() }, rendering, ctx);
    byType.set(key, rendered);
  }
  return rendered;
}

async function queryInterface(
  request: OcciRequest,
  state: AppState,
  view: CategoryRegistry,
  rendering: Rendering,
  ctx: RenderContext,
): Promise<Reply> {
  const { method, parsed, caller } = request;
  if (method === 'GET') {
    if (parsed.categories.length === 0) {
      const document = { type: 'categories', categories: view.all() } as const;
      return { status: 200, document, rendered: renderedQuery(view, rendering, state, ctx) };
    }
    const picked = new Map<string, Category>();
    for (const c of parsed.categories) {
      const found = view.filtered(typeId(c));
      if (found.length === 0) throw notFound(`Category filter: no category '${typeId(c)}'`);
      for (const f of found) picked.set(typeId(f), f);
    }
    return { status: 200, document: { type: 'categories', categories: [...picked.values()] } };
  }
  if (method !== 'POST' && method !== 'DELETE') throw methodNotAllowed(['GET', 'HEAD', 'POST', 'DELETE']);
  if (!caller.userKey) {
    const message = 'an X-Auth-Token is needed to manage your mixins';
    throw state.service.unauthorized?.(state.ruleSet, message) ?? new OcciError(401, message);
  }
  const userKey = caller.userKey;
  // The view was made from the caller's mixins as they were; an update that finds them changed by
  // another request (or instance) checks again against what is there now.
  const templates = await state.service.categories(request.context);
  if (method === 'POST') {
    let added: Mixin[] = [];
    await state.store.update(userKey, (owned) => {
      added = checkNewUserMixins(
        parsed.categories,
        viewOf(state, userKey, templates, owned),
        owned,
        state.limits.maxUserMixins,
        state.ruleSet.mapping.userMixinBase,
      );
      return [...owned, ...added];
    });
    return { status: 200, document: { type: 'categories', categories: added } };
  }
  const removed = checkRemovedUserMixins(parsed.categories, view, await state.store.list(userKey));
  // Removing a mixin removes its associations (kept by the backend, where the rules map them).
  for (const id of removed) {
    const mixin = view.mixin(id);
    if (!mixin || !state.ruleSet.mapping.userMixinBase) continue;
    try {
      await state.service.execute(
        { op: 'set-members', mixin, locations: [] },
        { ...request.context, registry: view },
      );
    } catch (e) {
      if (!(e instanceof OcciError) || e.status !== 501) throw e;
    }
  }
  // Removed by another request meanwhile is removed all the same.
  await state.store.update(userKey, (owned) => owned.filter((m) => !removed.has(typeId(m))));
  return { status: 200, document: { type: 'ok' } };
}
