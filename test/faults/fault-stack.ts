// The stack the fault scenarios run on, in-process: the Cyclades simulator (jobs complete at once),
// a relay in front of it that can break any one request, the mapping engine with the shipped rules
// (a short backend headers timeout, quick retries of what is left to do), and the OCCI server.
//
//   OCCI client → OCCI server → MappingEngine → relay → simulator
//
// The simulator's catalog names the relay as every service's base, so every backend call (identity
// included) passes through it. `backend()` lists what the user has, straight from the simulator.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendClient, DEFAULT_BACKEND_OPTIONS } from '../../src/backend/backend-client.js';
import { MappingEngine } from '../../src/engine/engine.js';
import { createLog } from '../../src/server/log.js';
import { type RunningOcciServer, startOcciServer } from '../../src/server/occi-server.js';
import { type RunningSimulator, startSimulator, type UserSnapshot } from '../../src/simulator/index.js';
import { shippedRules } from '../support/e2e-stack.js';
import { type Relay, startRelay } from './relay.js';

export const TOKEN = 'fault-suite-token';
/** What a withheld answer waits for before the engine gives up (504). */
export const HEADERS_TIMEOUT_MS = 2_000;
/** Pauses before the retries of failed compensations and clean-ups. */
export const RETRY_DELAYS_MS = [20, 100, 300];

export const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
export const COMPUTE = `${INFRA}compute`;
export const NETWORK = `${INFRA}network`;
export const STORAGE = `${INFRA}storage`;
export const NETWORKINTERFACE = `${INFRA}networkinterface`;
export const STORAGELINK = `${INFRA}storagelink`;
export const IPRESERVATION = `${INFRA}ipreservation`;
export const IPNETWORK = 'http://schemas.ogf.org/occi/infrastructure/network#ipnetwork';
/** Flavors on the detachable volume type (so volumes can be linked), 1 and 2 cores, same disk. */
export const FLAVOR_SMALL = 'http://schemas.openstack.org/template/resource#49';
export const PUBLIC_NETWORK = '/network/1';

export interface Reply {
  status: number;
  json: Record<string, unknown> | undefined;
  text: string;
  location: string | undefined;
}

export interface FaultStack {
  readonly sim: RunningSimulator;
  readonly relay: Relay;
  readonly engine: MappingEngine;
  readonly url: string;
  readonly logLines: string[];
  /** The user's live backend objects, listed by the simulator itself. */
  backend(): UserSnapshot;
  /** An OCCI request as the user (JSON rendering). */
  occi(method: string, path: string, body?: unknown): Promise<Reply>;
  /** Waits until the simulator's jobs and the engine's retries are all done. */
  quiesce(): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultStack(): Promise<FaultStack> {
  const relay = await startRelay();
  const sim = await startSimulator({ port: 0, delayMs: 0, tokens: [TOKEN], baseUrl: relay.url });
  relay.target = sim.url;
  const ruleSet = await shippedRules();
  const stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-faults-'));
  const logLines: string[] = [];
  const log = createLog({ level: 'info', write: (line) => logLines.push(line) });
  const engine = new MappingEngine({
    identityUrl: `${relay.url}/identity/v2.0`,
    log,
    client: new BackendClient({ ...DEFAULT_BACKEND_OPTIONS, headersTimeoutMs: HEADERS_TIMEOUT_MS }),
    retryDelaysMs: RETRY_DELAYS_MS,
  });
  const server: RunningOcciServer = await startOcciServer({
    port: 0,
    ruleSet,
    stateDir,
    service: engine,
    log,
  });
  const userId = sim.users[0]!.userId;
  return {
    sim,
    relay,
    engine,
    url: server.url,
    logLines,
    backend: () => sim.snapshot().users[userId]!,
    async occi(method, path, body) {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          'X-Auth-Token': TOKEN,
          Accept: 'application/occi+json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/occi+json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let json: Record<string, unknown> | undefined;
      try {
        json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text, location: res.headers.get('location') ?? undefined };
    },
    async quiesce() {
      // A retry may start jobs, a job's end may let a retry succeed: until both are quiet.
      for (;;) {
        await sim.settle();
        await engine.aftercare.idle();
        await sim.settle();
        if (engine.aftercare.size === 0) return;
      }
    },
    async close() {
      await server.close();
      await engine.close();
      await sim.close();
      await relay.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** The id at the end of a location. */
export const idOf = (location: string) => location.split('/').filter(Boolean).pop()!;
