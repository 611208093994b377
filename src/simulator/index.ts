// The Cyclades simulator: an in-memory Synnefo deployment (Astakos identity, compute, network,
// block storage and image APIs) behind one HTTP listener. Used standalone (`snf-occi simulator`),
// embedded by `snf-occi serve` when no backend is configured, and by tests. Imports nothing from
// the rest of src/.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdmin } from './admin.js';
import { FaultInjector, type InjectedFault } from './fault-injection.js';
import { createListener } from './http.js';
import { Ipv4Pool, hostRange, parseCidr4, parseIpv4 } from './ip-address.js';
import { DEFAULT_DELAYS, type DelayKind, type Delays, Lifecycle } from './lifecycle.js';
import { DEFAULT_QUOTAS, Quotas } from './quotas.js';
import { type LoggedRequest, RequestLog } from './request-log.js';
import { buildServices } from './routes.js';
import { PUBLIC_NETWORK, seedFlavors, seedImages, VOLUME_TYPES } from './seed.js';
import { buildUrls, type Sim } from './sim.js';
import { type SimulatorSnapshot, takeSnapshot } from './snapshot.js';
import { Store } from './store.js';
import { createUsers } from './users.js';

export type { InjectedFault } from './fault-injection.js';
export type { DelayKind } from './lifecycle.js';
export type { LoggedRequest } from './request-log.js';
export type { SimulatorSnapshot, UserSnapshot } from './snapshot.js';
export { DEFAULT_TOKEN } from './users.js';
export { DEFAULT_DELAYS } from './lifecycle.js';
export { DEFAULT_QUOTAS } from './quotas.js';

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = ephemeral (default). */
  port?: number;
  /** Each token is a seeded user with its own project; default one demo token. */
  tokens?: string[];
  /** Job durations in ms; default a few seconds each (DEFAULT_DELAYS). */
  delays?: Partial<Delays>;
  /** One duration for every job kind (tests pass 0); `delays` entries override it. */
  delayMs?: number;
  /** e.g. {'cyclades.vm': 5, 'cyclades.floating_ip': 2}; ram and disk in bytes. */
  quotas?: Partial<Record<string, number>>;
  /** Public base for catalog URLs and links (e.g. behind a reverse proxy); default http://host:port. */
  baseUrl?: string;
  /** Called with unexpected internal errors (default: a line on stderr, never a token). */
  onError?: (err: unknown) => void;
}

export interface RunningSimulator {
  url: string;
  identityUrl: string;
  users: { token: string; userId: string; projectId: string; name: string }[];
  injectFault(f: InjectedFault): void;
  clearFaults(): void;
  /** Make the next `times` server builds end in ERROR (default 1). */
  failBuilds(times?: number): void;
  /** From now on, jobs of these kinds (and no others) wait for releaseJobs() instead of their delay. */
  holdJobs(kinds: readonly DelayKind[]): void;
  /** Kinds of the jobs waiting to be released, oldest first. */
  heldJobs(): DelayKind[];
  /** Completes the held jobs of this kind (all held jobs when omitted) now. */
  releaseJobs(kind?: DelayKind): void;
  snapshot(): SimulatorSnapshot;
  /** Most recent requests (up to 1000), oldest first; paths without query strings or tokens. */
  readonly requestLog: LoggedRequest[];
  settle(): Promise<void>;
  close(): Promise<void>;
}

function resolveDelays(opts: SimulatorOptions): Delays {
  const base: Delays = { ...DEFAULT_DELAYS };
  if (opts.delayMs !== undefined) {
    for (const k of Object.keys(base) as (keyof Delays)[]) base[k] = opts.delayMs;
  }
  for (const [k, v] of Object.entries(opts.delays ?? {})) {
    if (v !== undefined && k in base) base[k as keyof Delays] = v;
  }
  for (const [k, v] of Object.entries(base)) {
    if (!Number.isFinite(v) || v < 0)
      throw new RangeError(`delay '${k}' must be a non-negative number of ms`);
  }
  return base;
}

function resolveQuotas(opts: SimulatorOptions): Record<string, number> {
  const limits: Record<string, number> = { ...DEFAULT_QUOTAS };
  for (const [k, v] of Object.entries(opts.quotas ?? {})) {
    if (v === undefined) continue;
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`quota '${k}' must be a non-negative number`);
    limits[k] = v;
  }
  return limits;
}

/** The shared public network and its floating-IP pool. */
function seedPublicNetwork(store: Store): void {
  const p = PUBLIC_NETWORK;
  const cidr = parseCidr4(p.cidr);
  const gateway = parseIpv4(p.gateway);
  if (!cidr || gateway === null) throw new Error('bad seed network');
  const hosts = hostRange(cidr);
  const range = { first: gateway + 1, last: hosts.last };
  store.networks.set(p.id, {
    id: p.id,
    userId: '',
    projectId: '',
    name: p.name,
    type: 'IP_LESS_ROUTED',
    public: true,
    floatingIpPool: true,
    status: 'ACTIVE',
    subnets: [p.subnetId],
    sharedToProject: false,
    created: p.created,
    updated: p.created,
    deleted: false,
  });
  store.subnets.set(p.subnetId, {
    id: p.subnetId,
    networkId: p.id,
    userId: null,
    projectId: null,
    name: `${p.name} subnet`,
    ipVersion: 4,
    cidr: p.cidr,
    gatewayIp: p.gateway,
    enableDhcp: true,
    dnsNameservers: [],
    hostRoutes: [],
    allocationPools: [{ start: '203.0.113.2', end: '203.0.113.254' }],
    public: true,
  });
  store.pools.set(p.subnetId, new Ipv4Pool([range]));
}

function defaultOnError(err: unknown): void {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  process.stderr.write(`snf-occi simulator: internal error (answered 500): ${what}\n`);
}

function trimSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end--;
  return s.slice(0, end);
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const delays = resolveDelays(opts);
  const limits = resolveQuotas(opts);
  const users = createUsers(opts.tokens ?? []);
  const onError = opts.onError ?? defaultOnError;
  if (opts.baseUrl !== undefined && !URL.canParse(opts.baseUrl))
    throw new TypeError(`invalid baseUrl '${opts.baseUrl}'`);

  const store = new Store(users, seedFlavors(), seedImages(), VOLUME_TYPES);
  seedPublicNetwork(store);
  const lifecycle = new Lifecycle(
    delays,
    () => {
      store.generation++;
    },
    onError,
  );
  const faults = new FaultInjector();
  const log = new RequestLog(users.map((u) => u.token));

  const http: HttpServer = createServer({
    requestTimeout: 30_000,
    headersTimeout: 10_000,
    maxHeaderSize: 16_384,
  });
  http.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  // Past listen, a server-level error (e.g. EMFILE on accept) is reported, never fatal.
  http.on('error', onError);
  const { port } = http.address() as AddressInfo;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const url = `http://${hostInUrl}:${port}`;
  const base = trimSlashes(opts.baseUrl ?? url);
  const urls = buildUrls(base);
  const prefix = trimSlashes(new URL(base).pathname);

  const sim: Sim = {
    store,
    lifecycle,
    quotas: new Quotas(store, limits),
    urls,
    host,
    failBuilds: 0,
    now: () => Date.now(),
  };
  http.on(
    'request',
    createListener({
      sim,
      services: buildServices(),
      prefix,
      faults,
      log,
      admin: createAdmin({ sim, faults, log }),
      onError,
    }),
  );
  let closed: Promise<void> | null = null;
  return {
    url,
    identityUrl: `${url}/identity/v2.0`,
    users: users.map((u) => ({ token: u.token, userId: u.id, projectId: u.projectId, name: u.name })),
    injectFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    failBuilds: (times = 1) => {
      sim.failBuilds = times;
    },
    holdJobs: (kinds) => lifecycle.hold(kinds),
    heldJobs: () => lifecycle.heldKinds(),
    releaseJobs: (kind) => lifecycle.release(kind),
    snapshot: () => takeSnapshot(sim),
    get requestLog() {
      return log.entries();
    },
    settle: () => lifecycle.settle(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        lifecycle.close();
        http.close(() => resolve());
        http.closeAllConnections();
      });
      return closed;
    },
  };
}
