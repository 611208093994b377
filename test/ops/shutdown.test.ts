// SIGTERM with requests in flight, on `snf-occi serve` as a process in front of a simulator process
// made slow by fault injection: new connections are refused at once, a request that ends within
// --shutdown-timeout gets its own answer, those still running at the deadline are answered 503, and
// the process exits 0 within the deadline plus a second.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  metricValue,
  type Spawned,
  spawnSimulator,
  spawnSnfOcci,
  TOKEN,
  waitFor,
  warmUp,
} from './ops-stack.js';

const DEADLINE_MS = 2_000;
/** How long the backend holds the slow requests: far beyond the deadline. */
const BACKEND_HOLD_MS = 15_000;

let backend: Awaited<ReturnType<typeof spawnSimulator>>;
let serve: Spawned;
let stateDir: string;
let url: string;
let metricsUrl: string;

beforeAll(async () => {
  backend = await spawnSimulator();
  stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-shutdown-'));
  serve = spawnSnfOcci([
    'serve',
    '--backend',
    backend.identityUrl,
    '--port',
    '0',
    '--metrics-port',
    '0',
    '--state-dir',
    stateDir,
    '--shutdown-timeout',
    `${DEADLINE_MS}ms`,
  ]);
  url = (await serve.line(/serving OCCI on (http:\/\/\S+) /))[1]!;
  metricsUrl = (await serve.line(/metrics on (http:\/\/\S+)\/metrics/))[1]!;
  await warmUp(url);
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await backend?.sim.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('SIGTERM under load', () => {
  it('answers every request in flight and exits 0 within the shutdown timeout', async () => {
    const faults = await fetch(`${backend.url}/_simulator/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([
        // Slower than the deadline: these are answered 503 by the shutdown.
        { method: 'GET', path: '/servers/detail', status: 503, delayMs: BACKEND_HOLD_MS, times: -1 },
        // Faster than the deadline: this one finishes with the backend's answer.
        { method: 'GET', pathRegex: '^/servers/\\d+$', status: 404, delayMs: 300, times: -1 },
      ]),
    });
    expect(faults.status).toBe(201);
    const auth = { 'X-Auth-Token': TOKEN };
    const slow = Array.from({ length: 4 }, () => fetch(`${url}/compute/`, { headers: auth }));
    const quick = fetch(`${url}/compute/4242`, { headers: auth });
    await waitFor('five requests in flight', async () => {
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      return metricValue(text, 'snf_occi_requests_in_flight') === 5 ? true : undefined;
    });

    const signalled = Date.now();
    serve.proc.kill('SIGTERM');
    const exited = serve.exited.then((e) => ({ ...e, after: Date.now() - signalled }));

    await waitFor('the shutdown to begin', () =>
      serve.stderr.some((l) => l.includes('"shutting down"')) ? true : undefined,
    );
    await expect(fetch(`${url}/compute/`, { headers: auth })).rejects.toThrow(); // no longer accepting

    const answers = await Promise.all(
      [...slow, quick].map((p) =>
        p.then(async (r) => ({
          status: r.status,
          body: await r.text(),
          retry: r.headers.get('retry-after'),
        })),
      ),
    );
    expect(answers.at(-1)!.status).toBe(404); // finished within the deadline: its own answer
    for (const a of answers.slice(0, 4)) {
      expect(a.status).toBe(503);
      expect(a.body).toMatch(/shutting down/);
      expect(a.retry).toBe('1');
    }
    const { code, after } = await exited;
    expect(code).toBe(0);
    // The backend holds the slow requests 15 s: an exit long before that is the deadline's doing
    // (the 503s above show it); the slack is generous, so that a busy machine cannot fail it.
    expect(after).toBeLessThan(BACKEND_HOLD_MS);
    expect(serve.stderr.some((l) => l.includes('requests still running were answered 503'))).toBe(true);
  });
});
