// The whole stack in-process for end-to-end tests: the Cyclades simulator (zero job delays unless
// asked otherwise, two users), the mapping engine over it with the shipped rules (mappings/), and
// the OCCI server on port 0 with a temporary state directory. Logs are kept in memory so tests can
// look at them (and check that no token ever reaches them).
//
//   OCCI client → OCCI server → MappingEngine → simulator (Astakos, Cyclades)
//
// `restartOcci()` stops the OCCI server and the engine and starts fresh ones on the same state
// directory and simulator: what lives in the backend (server tags) must survive it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BackendClient,
  type BackendClientOptions,
  type BackendRequest,
  type BackendResponse,
  DEFAULT_BACKEND_OPTIONS,
} from '../../src/backend/backend-client.js';
import { MappingEngine } from '../../src/engine/engine.js';
import { loadRules, type RuleSet } from '../../src/mapping/load-rules.js';
import { formatProblem } from '../../src/mapping/problems.js';
import { createLog } from '../../src/server/log.js';
import {
  type OcciServerOptions,
  type RunningOcciServer,
  startOcciServer,
} from '../../src/server/occi-server.js';
import {
  type LoggedRequest,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from '../../src/simulator/index.js';

export const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const SHIPPED_RULES = join(REPO_DIR, 'mappings');

/** The two users every stack has (tokens are what clients send in X-Auth-Token). */
export const ALICE_TOKEN = 'e2e-alice-token';
export const BOB_TOKEN = 'e2e-bob-token';

export interface E2eStackOptions {
  /** Simulator options (port 0, two users and zero delays by default). */
  simulator?: SimulatorOptions;
  /** Backend client options for the engine (e.g. short timeouts); the defaults otherwise. */
  backend?: Partial<BackendClientOptions>;
  /** Options of the OCCI server (e.g. a public URL, relative locations). */
  occi?: Pick<OcciServerOptions, 'publicUrl' | 'relativeLocations'>;
}

export interface E2eStack {
  readonly sim: RunningSimulator;
  /** Base URL of the OCCI server (no trailing slash); changes after restartOcci(). */
  readonly url: string;
  readonly ruleSet: RuleSet;
  readonly service: MappingEngine;
  /** Every backend call the engine sent (bodies included), across restarts. */
  readonly sent: SentCall[];
  readonly occi: RunningOcciServer;
  readonly stateDir: string;
  /** JSON log lines of the OCCI server and the engine, across restarts. */
  readonly logLines: string[];
  readonly alice: { token: string; userId: string };
  readonly bob: { token: string; userId: string };
  /** Waits until every pending simulated job (build, stop, …) has completed. */
  settle(): Promise<void>;
  /**
   * The simulator requests `fn` caused: the request log (a ring of 1000) is cleared first, so
   * counts stay right however long the suite runs. Admin requests (/_simulator) are not logged.
   */
  callsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; calls: LoggedRequest[] }>;
  /** Stops the OCCI server and engine, starts new ones on the same state directory and simulator. */
  restartOcci(): Promise<void>;
  close(): Promise<void>;
}

/** A backend call as snf-occi sent it, with the status it got (0: no answer). */
export interface SentCall {
  method: string;
  /** Path below the backend's base, without the query string, e.g. /compute/v2.0/servers. */
  path: string;
  /** The JSON body, parsed; undefined when none was sent. */
  body: unknown;
  status: number;
}

/**
 * The engine's real HTTP client, keeping what it sends: the simulator logs methods and paths, not
 * bodies, so the bodies of create and action calls are read here (the simulator's status for each
 * is kept too, so a call is known to have been accepted).
 */
export class RecordingBackendClient extends BackendClient {
  constructor(
    options: BackendClientOptions = DEFAULT_BACKEND_OPTIONS,
    readonly sent: SentCall[] = [],
  ) {
    super(options);
  }

  override async send(req: BackendRequest): Promise<BackendResponse> {
    const call: SentCall = {
      method: req.method,
      path: new URL(req.url).pathname,
      body: req.body === undefined ? undefined : JSON.parse(req.body),
      status: 0,
    };
    this.sent.push(call);
    const res = await super.send(req);
    call.status = res.status;
    return res;
  }
}

const rulesCache = new Map<string, Promise<RuleSet>>();

/** The shipped rules, loaded once per test file; fails with every problem if they do not load. */
export function shippedRules(dir = SHIPPED_RULES): Promise<RuleSet> {
  let rules = rulesCache.get(dir);
  if (!rules) {
    rules = loadRules(dir).then((loaded) => {
      if (!loaded.ruleSet)
        throw new Error(`the rules in ${dir} do not load:\n${loaded.problems.map(formatProblem).join('\n')}`);
      return loaded.ruleSet;
    });
    rulesCache.set(dir, rules);
  }
  return rules;
}

export async function startE2eStack(options: E2eStackOptions = {}): Promise<E2eStack> {
  const sim = await startSimulator({
    port: 0,
    delayMs: 0,
    tokens: [ALICE_TOKEN, BOB_TOKEN],
    ...options.simulator,
  });
  const ruleSet = await shippedRules();
  const stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-e2e-'));
  const logLines: string[] = [];
  const log = createLog({ level: 'debug', write: (line) => logLines.push(line) });

  const sent: SentCall[] = [];
  const start = async () => {
    let server: RunningOcciServer | undefined;
    // One list across restarts: each client appends to it.
    const client = new RecordingBackendClient({ ...DEFAULT_BACKEND_OPTIONS, ...options.backend }, sent);
    const service = new MappingEngine({
      identityUrl: sim.identityUrl,
      log,
      client,
    });
    server = await startOcciServer({ port: 0, ruleSet, stateDir, service, log, ...options.occi });
    return { server, service };
  };
  let running = await start();

  const user = (token: string) => {
    const u = sim.users.find((x) => x.token === token);
    if (!u) throw new Error(`the simulator has no user for ${token}`);
    return { token: u.token, userId: u.userId };
  };
  let closed = false;
  return {
    sim,
    get url() {
      return running.server.url;
    },
    ruleSet,
    get service() {
      return running.service;
    },
    get occi() {
      return running.server;
    },
    sent,
    stateDir,
    logLines,
    alice: user(sim.users[0]!.token),
    bob: user(sim.users[1]!.token),
    settle: () => sim.settle(),
    async callsDuring(fn) {
      const cleared = await fetch(`${sim.url}/_simulator/requests`, { method: 'DELETE' });
      if (cleared.status !== 204) throw new Error(`clearing the simulator's request log: ${cleared.status}`);
      const result = await fn();
      return { result, calls: sim.requestLog };
    },
    async restartOcci() {
      await running.server.close();
      await running.service.close();
      running = await start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await running.server.close();
      await running.service.close();
      await sim.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
