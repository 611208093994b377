// Hostile and plausible OCCI requests against the whole stack: the server, the mapping engine with
// the shipped rules, and the Cyclades simulator behind it (as issue 14's black-box run did). No
// answer is a 500, no log line claims one that no client received, nothing unexpected is logged,
// and the server keeps serving. `FAULTS=full` (npm run test:faults) sends 20,000 requests; the
// short mode in npm test sends a few hundred.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendClient, DEFAULT_BACKEND_OPTIONS } from '../../src/backend/backend-client.js';
import { MappingEngine } from '../../src/engine/engine.js';
import { createLog } from '../../src/server/log.js';
import { type RunningOcciServer, startOcciServer } from '../../src/server/occi-server.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { loadOk, MAPPINGS } from '../engine/harness.js';
import {
  ALLOWED_STATUSES,
  buildRequest,
  exchange,
  linesClaiming500,
  parseResponse,
  request,
} from '../support/hostile-requests.js';
import { report } from './report.js';

const FULL = process.env.FAULTS === 'full';
const RUNS = FULL ? 20_000 : 300;
/** Beyond what a request alone can cause: the backend's own refusals and limits. */
const STACK_STATUSES = new Set([...ALLOWED_STATUSES, 201, 204, 502, 503, 504]);

let sim: RunningSimulator;
let engine: MappingEngine;
let server: RunningOcciServer;
let stateDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    delayMs: 0,
    tokens: ['token-a', 'token-b'],
    quotas: { 'cyclades.vm': 1_000, 'cyclades.cpu': 4_000, 'cyclades.total_cpu': 4_000 },
  });
  stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-fuzz-'));
  const log = createLog({ level: 'info', write: (line) => logLines.push(line) });
  const client = new BackendClient({
    ...DEFAULT_BACKEND_OPTIONS,
    headersTimeoutMs: 5_000,
    bodyTimeoutMs: 5_000,
  });
  engine = new MappingEngine({ identityUrl: sim.identityUrl, client, log });
  server = await startOcciServer({
    port: 0,
    ruleSet: await loadOk(MAPPINGS),
    stateDir,
    service: engine,
    log,
  });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  await sim?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('hostile requests against the whole stack', () => {
  it(
    `${RUNS} requests: never a 500, nor a log line claiming one`,
    async ({ task }) => {
      const port = Number(new URL(server.url).port);
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const response = parseResponse(await exchange(port, buildRequest(r)));
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(STACK_STATUSES.has(response.status), `status ${response.status}`).toBe(true);
        }),
        { seed: 20261202, numRuns: RUNS },
      );
      await sim.settle();
      await engine.aftercare.idle();
      const claims500 = linesClaiming500(logLines);
      const unexpected = logLines.filter((l) => l.includes('unexpected error'));
      const counts = Object.fromEntries([...statuses].sort(([a], [b]) => a - b));
      report(task.meta, {
        table: 'under load',
        row: `${RUNS} hostile requests against the whole stack`,
        column: 'statuses',
        value: JSON.stringify(counts),
      });
      expect(statuses.get(500) ?? 0).toBe(0);
      expect(claims500).toEqual([]);
      expect(unexpected).toEqual([]);
      // Answers past the parser came up, not only refusals.
      expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 400, 404]));
      // And the server still serves.
      const after = parseResponse(
        await exchange(
          port,
          buildRequest({
            method: 'GET',
            target: '/-/',
            headers: [['X-Auth-Token', 'token-a']],
            body: undefined,
          }),
        ),
      );
      expect(after.status).toBe(200);
    },
    60_000 + RUNS * 30,
  );
});
