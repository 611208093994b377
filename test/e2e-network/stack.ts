// The stack the network, storage and link tests run against, in-process: the Cyclades simulator
// (jobs complete at once), the mapping engine with the shipped rules (mappings/), and the OCCI
// server on port 0 with a temporary state directory. One user; logs kept in memory.
//
//   OCCI client → OCCI server → MappingEngine → simulator
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MappingEngine } from '../../src/engine/engine.js';
import { loadRules, type RuleSet } from '../../src/mapping/load-rules.js';
import { formatProblem } from '../../src/mapping/problems.js';
import { createLog } from '../../src/server/log.js';
import { type RunningOcciServer, startOcciServer } from '../../src/server/occi-server.js';
import { type RunningSimulator, startSimulator, type UserSnapshot } from '../../src/simulator/index.js';
import { type ClientName, occiClient } from '../support/occi-clients.js';
import { Occi } from './occi.js';

const SHIPPED_RULES = fileURLToPath(new URL('../../mappings', import.meta.url));

export const TOKEN = 'e2e-network-token';

export interface NetworkStack {
  readonly sim: RunningSimulator;
  /** Base URL of the OCCI server, without a trailing slash. */
  readonly url: string;
  readonly logLines: string[];
  /** The user's live backend objects (servers, networks, ports, floating IPs, volumes, …). */
  backend(): UserSnapshot;
  close(): Promise<void>;
}

let rules: Promise<RuleSet> | undefined;

function shippedRules(): Promise<RuleSet> {
  rules ??= loadRules(SHIPPED_RULES).then((loaded) => {
    if (!loaded.ruleSet)
      throw new Error(`the shipped rules do not load:\n${loaded.problems.map(formatProblem).join('\n')}`);
    return loaded.ruleSet;
  });
  return rules;
}

export async function startNetworkStack(): Promise<NetworkStack> {
  const sim = await startSimulator({ port: 0, delayMs: 0, tokens: [TOKEN] });
  const ruleSet = await shippedRules();
  const stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-e2e-network-'));
  const logLines: string[] = [];
  const log = createLog({ level: 'debug', write: (line) => logLines.push(line) });
  let server: RunningOcciServer | undefined;
  const service = new MappingEngine({ identityUrl: sim.identityUrl, log });
  server = await startOcciServer({ port: 0, ruleSet, stateDir, service, log });
  const userId = sim.users[0]!.userId;
  return {
    sim,
    url: server.url,
    logLines,
    backend: () => sim.snapshot().users[userId]!,
    async close() {
      await server!.close();
      await service.close();
      await sim.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** The OCCI client of a rendering, as the stack's user. */
export function occiFor(name: ClientName, stack: NetworkStack): Occi {
  return new Occi(
    occiClient(name, () => stack.url),
    TOKEN,
  );
}
