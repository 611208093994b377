// Puts the OCCI handler on an HTTP listener with explicit limits and deadlines, and keeps the
// current application state (rule set, store, service) swappable for reloads.
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { unmappedService } from '../engine/unmapped-service.js';
import type { EntityService } from '../engine/operation.js';
import type { RuleSet } from '../mapping/load-rules.js';
import { UserMixinStore } from '../store/user-mixin-store.js';
import { SERVER_HEADER } from '../version.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { createLog, type Log } from './log.js';
import { type AppState, createOcciHandler } from './occi-app.js';
import { type LocationBase, reachable } from './public-locations.js';
import { RuleReloader } from './rule-reloader.js';

export interface OcciServerOptions {
  host?: string;
  port?: number;
  ruleSet: RuleSet;
  stateDir: string;
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
}

export interface RunningOcciServer {
  url: string;
  server: Server;
  /** Replaces the rule set; requests already running finish on the one they started with. */
  setRuleSet(ruleSet: RuleSet): void;
  /** Reloads the rules from rulesDir (as SIGHUP does); undefined without one. */
  reloader?: RuleReloader;
  state(): AppState;
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
  let state: AppState = {
    ruleSet: options.ruleSet,
    store: await UserMixinStore.open(options.stateDir, log),
    service: options.service ?? unmappedService,
    log,
    limits,
    locations: {},
  };
  const reloader = options.rulesDir
    ? new RuleReloader(
        options.rulesDir,
        () => state.ruleSet,
        (ruleSet) => {
          state = { ...state, ruleSet };
        },
        log,
      )
    : undefined;
  if (options.adminToken) state.admin = { token: options.adminToken, reloader, ruleSet: () => state.ruleSet };
  if (reloader && options.watchRules) reloader.watch();
  const handler = createOcciHandler(() => state);
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    (req, res) => {
      handler(req, res).catch((e) => {
        log.error('response failed', { error: (e as Error)?.message });
        res.destroy();
      });
    },
  );
  server.maxHeadersCount = limits.maxHeadersCount;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Malformed HTTP (and header floods) never reach the handler; answer and close.
    if (!socket.writable) return socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const reason =
      status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nServer: ${SERVER_HEADER}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  });
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
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  state = { ...state, locations: locationBase(url, address.port, options) };
  return {
    url,
    server,
    setRuleSet(ruleSet) {
      state = { ...state, ruleSet };
    },
    state: () => state,
    ...(reloader ? { reloader } : {}),
    close: () =>
      new Promise<void>((resolve) => {
        reloader?.close();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
