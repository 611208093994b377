// Puts the OCCI handler on an HTTP (or HTTPS) listener with explicit limits and deadlines, keeps
// the current application state (rule set, store, service) swappable for reloads, serves the
// health, readiness and metrics endpoints, and shuts down with a deadline.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { unmappedService } from '../engine/unmapped-service.js';
import type { EntityService } from '../engine/operation.js';
import type { RuleSet } from '../mapping/load-rules.js';
import { FileMixinStore } from '../store/file-store.js';
import type { MixinStore } from '../store/mixin-store.js';
import { SERVER_HEADER } from '../version.js';
import { createReadiness, type ReadinessCheck } from './health.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { createLog, type Log } from './log.js';
import { type MetricsText, ServerMetrics } from './metrics.js';
import { startMetricsListener } from './metrics-listener.js';
import { type AppState, createOcciHandler } from './occi-app.js';
import { type LocationBase, reachable } from './public-locations.js';
import { RequestEnvelope } from './request-envelope.js';
import { type Reloads, RuleReloader } from './rule-reloader.js';

export interface OcciServerOptions {
  host?: string;
  port?: number;
  ruleSet: RuleSet;
  stateDir: string;
  /** Where user mixins are kept (default: a file in stateDir). Closed on shutdown. */
  store?: MixinStore;
  service?: EntityService;
  /** Base URL locations are rendered under (default: the address the server listens on). */
  publicUrl?: string;
  /** Render locations as paths (`/compute/42`) rather than absolute URLs. */
  relativeLocations?: boolean;
  log?: Log;
  limits?: Partial<Limits>;
  /** The directory the rules were loaded from: enables reloads (admin request, SIGHUP via reload()). */
  rulesDir?: string;
  /** Also reload when a file in rulesDir changes. */
  watchRules?: boolean;
  /** Enables /_admin/ endpoints for requests carrying this X-Admin-Token. */
  adminToken?: string;
  /** Serve https with this PEM certificate and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** The metrics to move (default: a registry of this server's own). */
  metrics?: ServerMetrics;
  /** Probes the backend for /readyz (default: the backend is not checked). */
  backendProbe?: () => Promise<void>;
  /** How long /readyz reuses a probe's outcome, in ms. */
  readinessCacheMs?: number;
  /** Also serve /metrics, /healthz and /readyz, without a token, on this address. */
  metricsListener?: { host: string; port: number };
  /** What POST /_admin/reload asks (default: this server's reloader); a cluster worker's primary. */
  reloads?: Reloads;
  /** What /_admin/metrics serves (default: `metrics`); a cluster worker's, the whole cluster's. */
  metricsText?: MetricsText;
}

export interface RunningOcciServer {
  url: string;
  server: Server;
  metrics: ServerMetrics;
  /** URL of the metrics listener, when there is one. */
  metricsUrl?: string;
  /** Replaces the rule set; requests already running finish on the one they started with. */
  setRuleSet(ruleSet: RuleSet): void;
  /** Reloads the rules from rulesDir (as SIGHUP does); undefined without one. */
  reloader?: RuleReloader;
  readiness: ReadinessCheck;
  state(): AppState;
  /**
   * Stops accepting connections, gives requests in flight `timeoutMs` (default: the shutdown
   * limit) to finish, answers those left with 503 and closes every connection. Resolves with the
   * number answered 503.
   */
  shutdown(timeoutMs?: number): Promise<number>;
  /** shutdown() for tests and tools: same, with the configured limit. */
  close(): Promise<void>;
}

/**
 * Where rendered locations point: the public URL, else the address listened on (a wildcard
 * address names no host: the machine's name stands for it); none in relative mode. The listen
 * address also names this server when a public URL is set (clients on the machine itself).
 */
function locationBase(url: string, port: number, options: OcciServerOptions): LocationBase {
  const listening = reachable(url) ? url : `http://${hostname()}:${port}`;
  const base = (options.publicUrl ?? listening).replace(/\/$/, '');
  if (options.relativeLocations) return { aliases: [base, listening] };
  return { base, ...(options.publicUrl ? { aliases: [listening] } : {}) };
}

export async function startOcciServer(options: OcciServerOptions): Promise<RunningOcciServer> {
  const log = options.log ?? createLog();
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = options.metrics ?? new ServerMetrics();
  let state: AppState = {
    ruleSet: options.ruleSet,
    store: options.store ?? (await FileMixinStore.open(options.stateDir, log)),
    service: options.service ?? unmappedService,
    log,
    limits,
    locations: {},
  };
  metrics.ruleGeneration.set(options.ruleSet.generation);
  metrics.storeState = () => state.store.check();
  const reloader = options.rulesDir
    ? new RuleReloader(
        options.rulesDir,
        () => state.ruleSet,
        (ruleSet) => {
          state = { ...state, ruleSet };
        },
        log,
        100,
        (outcome) => {
          metrics.ruleReloads.inc({ outcome: outcome.ok ? 'ok' : 'failed' });
          metrics.ruleGeneration.set(state.ruleSet.generation);
        },
      )
    : undefined;
  const reloads = options.reloads ?? reloader;
  if (options.adminToken)
    state.admin = {
      token: options.adminToken,
      ...(reloads ? { reloader: reloads } : {}),
      ruleSet: () => state.ruleSet,
      metrics: options.metricsText ?? metrics,
    };
  if (reloader && options.watchRules) reloader.watch();
  const readiness: ReadinessCheck = createReadiness({
    rulesLoaded: () => state.ruleSet.files.length > 0,
    ...(options.backendProbe ? { probe: options.backendProbe } : {}),
    store: () => state.store.check(),
    cacheMs: options.readinessCacheMs ?? 2_000,
  });
  const envelope = new RequestEnvelope({
    log,
    metrics,
    limits,
    readiness,
    registry: () => state.ruleSet.registry,
  });
  const listener = envelope.wrap(createOcciHandler(() => state));
  const serverOptions = {
    // Node's own check (per header) stays as a backstop above the limit the envelope enforces
    // exactly on the whole block; the request line is counted by Node only.
    maxHeaderSize: limits.maxHeaderBytes + 8 * 1024,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  };
  const server: Server = options.tls
    ? (createHttpsServer(
        { ...serverOptions, cert: options.tls.cert, key: options.tls.key },
        listener,
      ) as Server)
    : createHttpServer(serverOptions, listener);
  server.maxHeadersCount = limits.maxHeadersCount + 1; // one more, so that the envelope sees a flood
  const onClientError = (err: NodeJS.ErrnoException, socket: Socket) => {
    // Malformed HTTP (and overlong headers) never reach the handler; answer and close.
    if (!socket.writable) return socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const reason =
      status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nServer: ${SERVER_HEADER}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  };
  server.on('clientError', onClientError);
  if (options.tls) server.on('tlsClientError', (_err, socket) => socket.destroy());
  // CONNECT (tunnelling) is not part of OCCI: answer it instead of dropping the connection.
  server.on('connect', (_req, socket) => {
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\nServer: ${SERVER_HEADER}\r\nAllow: GET, HEAD, POST, PUT, DELETE\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  let metricsListener: Awaited<ReturnType<typeof startMetricsListener>> | undefined;
  try {
    metricsListener = options.metricsListener
      ? await startMetricsListener({ ...options.metricsListener, metrics, readiness })
      : undefined;
  } catch (e) {
    server.close();
    throw e;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${address.port}`;
  state = { ...state, locations: locationBase(url, address.port, options) };
  let stopping: Promise<number> | undefined;
  const shutdown = (timeoutMs = limits.shutdownTimeoutMs) =>
    (stopping ??= (async () => {
      reloader?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const refused = await envelope.drain(timeoutMs);
      if (refused > 0) log.warn('shutdown: requests still running were answered 503', { count: refused });
      server.closeAllConnections();
      await closed;
      await metricsListener?.close();
      await state.store.close();
      return refused;
    })());
  return {
    url,
    server,
    metrics,
    ...(metricsListener ? { metricsUrl: metricsListener.url } : {}),
    setRuleSet(ruleSet) {
      state = { ...state, ruleSet };
      metrics.ruleGeneration.set(ruleSet.generation);
    },
    state: () => state,
    readiness,
    ...(reloader ? { reloader } : {}),
    shutdown,
    close: async () => {
      await shutdown();
    },
  };
}
