// The backend killed and restarted under load: the simulator runs as a process of its own
// (`snf-occi simulator`), snf-occi in this one, and clients read a compute in a loop. While the
// backend is down every request is still answered, with 502, 503 or 504 (never a socket error,
// never a 500); once it is back (the compute made again: a fresh simulator starts empty, and
// gives the same id), requests succeed again. The time from the restart to the first success is
// reported, not asserted: the deadline only ends a wait for something that would not happen.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MappingEngine } from '../../src/engine/engine.js';
import { createLog } from '../../src/server/log.js';
import { type RunningOcciServer, startOcciServer } from '../../src/server/occi-server.js';
import { shippedRules } from '../support/e2e-stack.js';
import { COMPUTE, FLAVOR_SMALL } from './fault-stack.js';
import {
  type Answer,
  type Child,
  freePort,
  loadLoop,
  startCommand,
  statusCounts,
  until,
} from './processes.js';
import { FULL, report } from './report.js';

const TOKEN = 'restart-suite-token';
const CLIENTS = FULL ? 16 : 6;
/** Answers to see in each phase before moving on (more in the full mode). */
const PER_PHASE = FULL ? 400 : 60;

describe('the backend killed and restarted under load', () => {
  let port: number;
  let sim: Child;
  let server: RunningOcciServer;
  let engine: MappingEngine;
  let stateDir: string;
  const logLines: string[] = [];

  const startSimulator = () =>
    startCommand(['simulator', '--port', String(port), '--token', TOKEN, '--delay-ms', '0'], /listening on/);
  const createCompute = () =>
    fetch(`${server.url}/compute/`, {
      method: 'POST',
      headers: {
        'X-Auth-Token': TOKEN,
        'Content-Type': 'application/occi+json',
        Accept: 'application/occi+json',
      },
      body: JSON.stringify({
        kind: COMPUTE,
        mixins: [FLAVOR_SMALL],
        attributes: { 'occi.core.title': 'loaded' },
      }),
    });

  beforeAll(async () => {
    port = await freePort();
    sim = await startSimulator();
    stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-restart-'));
    const log = createLog({ level: 'info', write: (line) => logLines.push(line) });
    engine = new MappingEngine({ identityUrl: `http://127.0.0.1:${port}/identity/v2.0`, log });
    server = await startOcciServer({
      port: 0,
      ruleSet: await shippedRules(),
      stateDir,
      service: engine,
      log,
    });
  });
  afterAll(async () => {
    sim?.process.kill('SIGTERM');
    await sim?.exited;
    await server?.close();
    await engine?.close();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('answers every request while the backend is down, and succeeds again once it is back', async ({
    task,
  }) => {
    const made = await createCompute();
    expect(made.status, await made.text()).toBe(201);
    const location = new URL(made.headers.get('location')!, server.url).pathname;

    const load = loadLoop(CLIENTS, () =>
      fetch(`${server.url}${location}`, {
        headers: { 'X-Auth-Token': TOKEN, Accept: 'application/occi+json' },
      }),
    );
    const answeredAfter = (t: number) => load.answers.filter((a) => a.end > t);
    try {
      await until(() => load.answers.length >= PER_PHASE, 60_000, 'answers before the kill');
      const killed = performance.now();
      sim.process.kill('SIGKILL');
      await sim.exited;
      const down = performance.now();
      await until(() => answeredAfter(down).length >= PER_PHASE, 60_000, 'answers during the outage');

      sim = await startSimulator();
      const restarted = performance.now();
      // The fresh simulator is empty: the compute is made again, and gets the same id.
      const again = await createCompute();
      expect(again.status, await again.text()).toBe(201);
      expect(new URL(again.headers.get('location')!, server.url).pathname).toBe(location);
      const reseeded = performance.now();
      await until(
        () => answeredAfter(reseeded).some((a) => a.status === 200),
        30_000,
        'a success after the restart',
      );
      const recovered = answeredAfter(reseeded).find((a) => a.status === 200)!.end;
      await until(() => answeredAfter(recovered).length >= PER_PHASE, 60_000, 'answers after the recovery');
      await load.stop();

      const answers = load.answers;
      const inPhase = (from: number, to: number) => answers.filter((a) => a.end > from && a.end <= to);
      const before = inPhase(0, killed);
      const outage = inPhase(down, restarted);
      // Sent once a success had come back: all succeed.
      const settled = answers.filter((a) => a.start > recovered);
      const errors = answers.filter((a) => a.status === 0);
      const recoverMs = Math.round(recovered - restarted);

      const cell = (column: string, value: string) =>
        report(task.meta, { table: 'under load', row: 'backend killed and restarted', column, value });
      cell('requests', String(answers.length));
      cell('no answer', String(errors.length));
      cell('statuses', `during the outage: ${JSON.stringify(statusCounts(outage))}`);
      cell('time', `restart → first 200: ${recoverMs} ms`);
      cell('notes', `all: ${JSON.stringify(statusCounts(answers))}`);

      expect(errors.map((a: Answer) => a.error)).toEqual([]);
      expect(answers.filter((a) => a.status === 500)).toEqual([]);
      expect(Object.keys(statusCounts(before))).toEqual(['200']);
      expect(outage.length).toBeGreaterThan(0);
      for (const status of Object.keys(statusCounts(outage)).map(Number))
        expect([200, 502, 503, 504]).toContain(status);
      // Between the restart and the compute made again, it is not found (404): nothing else.
      for (const status of Object.keys(statusCounts(inPhase(restarted, recovered))).map(Number))
        expect([200, 404, 502, 503, 504]).toContain(status);
      expect(settled.length).toBeGreaterThan(0);
      expect(Object.keys(statusCounts(settled))).toEqual(['200']);
      // Nothing claims a 500 in the log either.
      expect(logLines.filter((l) => l.includes('"status":500'))).toEqual([]);
    } finally {
      await load.stop();
    }
  });
});
