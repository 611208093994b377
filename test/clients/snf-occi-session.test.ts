// The session the previous snf-occi's users ran (its curl scripts and ooi JSON clients), over real
// HTTP against the Cyclades simulator with job durations long enough to matter: compute (create,
// poll until active, stop, start, restart, delete), network, storage, a storage link and a network
// interface, with plain curl habits: collection paths without the trailing '/', the old link
// collections (/storagelink/, /networklink/), URLs cut out of the answers as given, no redirects
// followed, and no waits between the creates. In text/plain, text/occi and JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eStack, startE2eStack } from '../support/e2e-stack.js';
import { readCategoryValue } from '../support/occi-clients.js';
import {
  COMPUTE,
  DETACHABLE_FLAVOR,
  IPNETWORK,
  NETWORK,
  NETWORKINTERFACE,
  OS_SCHEME,
  PlainClient,
  pollUntil,
  RENDERINGS,
  STORAGE,
  STORAGELINK,
  textFields,
} from './plain-client.js';

const DELAYS = {
  build: 800,
  start: 100,
  stop: 100,
  reboot: 100,
  resize: 100,
  destroy: 100,
  volume: 150,
  port: 1500,
};
const state = (s: string) => (e: { attributes: Record<string, unknown> }) =>
  e.attributes['occi.compute.state'] === s;

describe.each(RENDERINGS)("a session of the previous snf-occi's users, %s", (rendering) => {
  let stack: E2eStack;
  let client: PlainClient;
  beforeAll(async () => {
    stack = await startE2eStack({ simulator: { delays: DELAYS } });
    client = new PlainClient(rendering, () => stack.url, stack.alice.token);
  });
  afterAll(() => stack?.close());

  /** The one location a 201 names, absolute, in its body as in its Location header. */
  const created = async (answer: Awaited<ReturnType<PlainClient['request']>>, collection: string) => {
    expect(answer.status, answer.body).toBe(201);
    const named = client.locations(answer);
    expect(named).toHaveLength(1);
    expect(named[0]).toMatch(new RegExp(`^${stack.url}${collection}\\d+$`));
    expect(answer.headers.get('location')).toBe(named[0]);
    return named[0]!;
  };

  it('compute, network, storage, a storage link and a network interface, start to finish', async () => {
    // The image, as the query interface lists it.
    const query = await client.get('/-/');
    expect(query.status).toBe(200);
    const debian = (
      rendering === 'application/occi+json'
        ? (JSON.parse(query.body) as { mixins: { term: string; scheme: string; title?: string }[] }).mixins
        : textFields(rendering, query)
            .filter(([n]) => n === 'category')
            .map(([, v]) => readCategoryValue(v))
    ).find((c) => c.scheme === OS_SCHEME && c.title === 'Debian Base');
    expect(debian).toBeDefined();

    // Create at /compute (no trailing slash), then the network and the volume at once.
    const compute = await created(
      await client.request('POST', '/compute', {
        kind: COMPUTE,
        mixins: [OS_SCHEME + debian!.term, DETACHABLE_FLAVOR],
        attributes: { 'occi.core.title': 'session-vm' },
      }),
      '/compute/',
    );
    const network = await created(
      await client.request('POST', '/network', {
        kind: NETWORK,
        mixins: [IPNETWORK],
        attributes: { 'occi.core.title': 'session-net', 'occi.network.address': '10.5.0.0/24' },
      }),
      '/network/',
    );
    const volume = await created(
      await client.request('POST', '/storage', { kind: STORAGE, attributes: { 'occi.storage.size': 1 } }),
      '/storage/',
    );

    // The links back to back, at the previous snf-occi's collections, as soon as the compute is
    // made: each waits for the server to be settled (Cyclades refuses both while it builds, and
    // one while the other is pending).
    const disk = await created(
      await client.request('POST', '/storagelink', {
        kind: STORAGELINK,
        attributes: { 'occi.core.source': compute, 'occi.core.target': volume },
      }),
      '/link/storagelink/',
    );
    const nic = await created(
      await client.request('POST', '/networklink', {
        kind: NETWORKINTERFACE,
        attributes: { 'occi.core.source': compute, 'occi.core.target': network },
      }),
      '/link/networkinterface/',
    );

    // Both are on the compute at once; the interface pending until Cyclades has connected it.
    const linked = client.entity(await client.get(compute));
    const nicLink = linked.links.find((l) => l.target === network);
    expect(nicLink?.kind).toBe(NETWORKINTERFACE);
    expect(nicLink?.attributes['occi.networkinterface.state']).toBe('inactive');
    expect(linked.links.find((l) => l.target === volume)?.kind).toBe(STORAGELINK);
    if (rendering !== 'application/occi+json') {
      expect(linked.links.find((l) => l.target === network)?.self).toBe(nic);
      expect(linked.links.find((l) => l.target === volume)?.self).toBe(disk);
    }

    // Poll until active, with both links active.
    const active = await pollUntil(
      client,
      compute,
      (e) =>
        e.attributes['occi.compute.state'] === 'active' &&
        e.links.filter((l) => l.target === network || l.target === volume).length === 2 &&
        e.links.every(
          (l) => !String(l.attributes['occi.networkinterface.state'] ?? 'active').includes('inactive'),
        ),
      'active with its links',
    );
    expect(active.attributes['occi.core.title']).toBe('session-vm');
    expect((await client.get(nic)).status).toBe(200);
    expect((await client.get(disk)).status).toBe(200);

    // Stop, start, restart. The previous snf-occi's JSON clients send "method": "graceful" with
    // every action, start included (which defines no attribute): accepted.
    const method: Record<string, string> =
      rendering === 'application/occi+json' ? { method: 'graceful' } : {};
    const stop = await client.action(compute, 'stop', method);
    expect(stop.status, client.error(stop)).toBe(200);
    await pollUntil(client, compute, state('inactive'), 'stopped');
    const start = await client.action(compute, 'start', method);
    expect(start.status, client.error(start)).toBe(200);
    await pollUntil(client, compute, state('active'), 'started');
    const restart = await client.action(compute, 'restart', method);
    expect(restart.status, client.error(restart)).toBe(200);
    await pollUntil(client, compute, state('active'), 'restarted');

    // Delete: the interface, then the compute (polled until gone), the network, the volume.
    expect((await client.delete(nic)).status).toBe(200);
    expect((await client.delete(compute)).status).toBe(200);
    const deadline = Date.now() + 15_000;
    while ((await client.get(compute)).status !== 404) {
      if (Date.now() > deadline) throw new Error(`${compute} was never deleted`);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await client.delete(network)).status).toBe(200);
    expect((await client.delete(volume)).status).toBe(200);
    for (const gone of [compute, network, volume, nic, disk])
      expect((await client.get(gone)).status).toBe(404);
    expect(client.locations(await client.get('/compute'))).toEqual([]);
    const left = stack.sim.snapshot().users[stack.alice.userId]!;
    expect(left.servers.filter((s) => !s.deleted)).toEqual([]);
  });
});
