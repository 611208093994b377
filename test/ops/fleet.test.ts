// Two snf-occi instances behind Debian's nginx (round robin, docs/deploy.md's configuration with
// both in the upstream; the second with two workers), sharing one real Redis as their user mixin store and one simulator as
// their backend, all separate processes: a client session alternating between the instances sees
// one state; mixins created at the same time on both are all kept; Redis restarted mid-session
// gives 503 (Retry-After) for requests that need the store, and service resumes on its own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxAvailable, startNginx, type TestNginx } from '../support/nginx.js';
import { redisAvailable, startRedis, type TestRedis } from '../support/redis.js';
import {
  COMPUTE_CATEGORY,
  metricValue,
  type Spawned,
  spawnSimulator,
  spawnSnfOcci,
  TOKEN,
  waitFor,
} from './ops-stack.js';

const available = nginxAvailable && redisAvailable;
const SCHEME = 'http://example.org/fleet#';

let redis: TestRedis;
let simulator: Spawned;
let nginx: TestNginx;
let stateDir: string;
/** Instance b runs two workers (node:cluster), each with its own Redis connection. */
const WORKERS = [1, 2];
const instances: { proc: Spawned; url: string; metrics: string; workers: number }[] = [];

beforeAll(async () => {
  if (!available) return;
  redis = await startRedis();
  const sim = await spawnSimulator(TOKEN);
  simulator = sim.sim;
  stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-fleet-'));
  nginx = await startNginx(async (base) => {
    for (const [n, name] of ['a', 'b'].entries()) {
      const proc = spawnSnfOcci([
        'serve',
        '--port',
        '0',
        '--backend',
        sim.identityUrl,
        '--store',
        redis.url,
        '--public-url',
        base,
        '--state-dir',
        join(stateDir, name),
        '--log-level',
        'info',
        '--no-watch',
        '--workers',
        String(WORKERS[n]),
        '--metrics-port',
        '0',
      ]);
      const url = (await proc.line(/serving OCCI on (http:\/\/\S+) /))[1]!;
      const metrics = (await proc.line(/metrics on (http:\/\/\S+)\/metrics/))[1]!;
      instances.push({ proc, url, metrics, workers: WORKERS[n]! });
    }
    return instances.map((i) => new URL(i.url).host);
  });
}, 90_000);

afterAll(async () => {
  await nginx?.close();
  await Promise.all(instances.map((i) => i.proc.stop()));
  await simulator?.stop();
  await redis?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

const auth = { 'X-Auth-Token': TOKEN };
const mixinCategory = (term: string) => `${term}; scheme="${SCHEME}"; class="mixin"; location="/${term}/"`;

/** Which instance answered a request that came through nginx (its request id is in that one's log). */
function answeredBy(res: { headers: { get(name: string): string | null } }): number {
  const id = res.headers.get('x-request-id');
  const found = instances.findIndex((i) => i.proc.stderr.some((l) => l.includes(`"reqId":"${id}"`)));
  if (found < 0) throw new Error(`no instance logged request ${id}`);
  return found;
}

/** The log line of a request is written when it is answered: wait for it before asking who. */
async function whoAnswered(res: { headers: { get(name: string): string | null } }): Promise<number> {
  return waitFor('the request to be logged', () => {
    try {
      return answeredBy(res);
    } catch {
      return undefined;
    }
  });
}

async function queryInterface(url?: string): Promise<{ status: number; body: string; by?: number }> {
  const res = url ? await fetch(`${url}/-/`, { headers: auth }) : await nginx.fetch('/-/', { headers: auth });
  const body = await res.text();
  return { status: res.status, body, ...(url ? {} : { by: await whoAnswered(res) }) };
}

/** snf_occi_store_up as the instance's metrics listener says (with workers: the lowest). */
async function storeUp(instance: { metrics: string }): Promise<number> {
  return metricValue(await (await fetch(`${instance.metrics}/metrics`)).text(), 'snf_occi_store_up');
}

describe.skipIf(!available)('two instances behind nginx, one Redis', () => {
  it('serves a session alternating between the instances as one state', async () => {
    const created = await nginx.fetch('/-/', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/occi', Category: mixinCategory('fleet_web') },
    });
    expect(created.status, await created.text()).toBe(200);
    const maker = await whoAnswered(created);

    const create = {
      method: 'POST',
      headers: {
        ...auth,
        'Content-Type': 'text/occi',
        Category: COMPUTE_CATEGORY,
        'X-OCCI-Attribute': 'occi.core.title="fleet-vm", occi.compute.cores=1',
      },
    };
    let compute = await nginx.fetch('/compute/', create);
    if (compute.status === 502) compute = await nginx.fetch('/compute/', create); // issue 11
    expect(compute.status, await compute.text()).toBe(201);
    const location = compute.headers.get('location')!;

    // The next request goes to the other instance: it knows the mixin at once.
    const tagged = await nginx.fetch('/fleet_web/', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/occi', 'X-OCCI-Location': location },
    });
    expect(tagged.status, await tagged.text()).toBe(200);

    const seen = new Set<number>([maker, await whoAnswered(tagged)]);
    for (let i = 0; i < 6; i++) {
      const listing = await queryInterface();
      expect(listing.status).toBe(200);
      expect(listing.body).toContain(`fleet_web; scheme="${SCHEME}"`);
      const members = await nginx.fetch('/fleet_web/', { headers: { ...auth, Accept: 'text/uri-list' } });
      expect(members.status).toBe(200);
      expect((await members.text()).split(/\r?\n/)).toContain(location);
      seen.add(listing.by!);
      seen.add(await whoAnswered(members));
    }
    expect([...seen].sort()).toEqual([0, 1]); // both instances answered parts of the session

    const removed = await nginx.fetch('/-/', {
      method: 'DELETE',
      headers: { ...auth, 'Content-Type': 'text/occi', Category: mixinCategory('fleet_web') },
    });
    expect(removed.status, await removed.text()).toBe(200);
    for (let i = 0; i < 4; i++) {
      const listing = await queryInterface();
      expect(listing.body).not.toContain('fleet_web;');
      const gone = await nginx.fetch('/fleet_web/', { headers: auth });
      expect(gone.status).toBe(404);
      await gone.text();
    }
    const deleted = await nginx.fetch(location, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(200);
  }, 60_000);

  it('keeps every mixin created at the same time on both instances', async () => {
    const terms = Array.from({ length: 24 }, (_, i) => `fleet_m${i}`);
    const answers = await Promise.all(
      terms.map((term, i) =>
        fetch(`${instances[i % 2]!.url}/-/`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'text/occi', Category: mixinCategory(term) },
        }).then(async (r) => ({ status: r.status, body: await r.text() })),
      ),
    );
    for (const a of answers) expect(a.status, a.body).toBe(200);
    for (const instance of instances) {
      const { body } = await queryInterface(instance.url);
      for (const term of terms) expect(body).toContain(`${term}; scheme="${SCHEME}"`);
    }
    // The same mixin on both at once: one creates it, the other is told it exists.
    const twice = await Promise.all(
      instances.map((i) =>
        fetch(`${i.url}/-/`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'text/occi', Category: mixinCategory('fleet_once') },
        }).then((r) => r.status),
      ),
    );
    expect(twice.sort()).toEqual([200, 409]);
    const cleanup = await fetch(`${instances[1]!.url}/-/`, {
      method: 'DELETE',
      headers: {
        ...auth,
        'Content-Type': 'text/occi',
        Category: [...terms, 'fleet_once'].map(mixinCategory).join(', '),
      },
    });
    expect(cleanup.status, await cleanup.text()).toBe(200);
  }, 60_000);

  it('answers 503 while Redis restarts, then serves again without a restart of snf-occi', async () => {
    const kept = await nginx.fetch('/-/', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/occi', Category: mixinCategory('fleet_kept') },
    });
    expect(kept.status, await kept.text()).toBe(200);
    for (const instance of instances) expect(await storeUp(instance)).toBe(1);
    await redis.stop();
    for (let i = 0; i < 4; i++) {
      const res = await nginx.fetch('/-/', { headers: auth });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.text()).toContain(`user mixin store (redis 127.0.0.1:${redis.port}/0) is unavailable`);
    }
    for (const instance of instances) {
      expect(await storeUp(instance)).toBe(0);
      const ready = await fetch(`${instance.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: { store: string } }).checks.store).toBe('unavailable');
    }
    // Requests that do not need the store are still answered.
    const anonymous = await nginx.fetch('/compute/');
    expect(anonymous.status).toBe(401);
    await anonymous.text();

    await redis.start();
    for (const instance of instances) {
      const back = await waitFor(
        'the instance to serve again',
        async () => {
          const r = await queryInterface(instance.url);
          return r.status === 200 ? r : undefined;
        },
        30_000,
      );
      expect(back.body).toContain(`fleet_kept; scheme="${SCHEME}"`);
      expect((await fetch(`${instance.url}/readyz`)).status).toBe(200);
      expect(await storeUp(instance)).toBe(1);
    }
    for (const instance of instances) {
      // One warning per process that saw the outage (each worker has its own connection).
      const warnings = instance.proc.stderr.filter((l) => l.includes('user mixin store unavailable'));
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.length).toBeLessThanOrEqual(instance.workers);
    }
  }, 90_000);
});
