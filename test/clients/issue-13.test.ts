// Issue 13, "Real OCCI clients work unchanged": a test per item the issue lists, over real HTTP
// against the Cyclades simulator (and, for a 1,000-entity listing, against a stand-in backend):
// absolute locations, old paths, header line counts, declared attributes, statuses, nothing
// accepted and dropped, clients that do not wait, and OCCI 1.1 clients.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityService, Operation } from '../../src/engine/operation.js';
import type { Resource } from '../../src/occi/model.js';
import { createLog } from '../../src/server/log.js';
import { type RunningOcciServer, startOcciServer } from '../../src/server/occi-server.js';
import { serveCommand } from '../../src/server/serve-command.js';
import { type E2eStack, shippedRules, startE2eStack } from '../support/e2e-stack.js';
import { readHeaderValues } from '../support/occi-clients.js';
import {
  COMPUTE,
  DETACHABLE_FLAVOR,
  INFRA,
  IPNETWORK,
  NETWORK,
  NETWORKINTERFACE,
  OS_SCHEME,
  PlainClient,
  pollUntil,
  RENDERINGS,
  STORAGE,
  STORAGELINK,
  send,
} from './plain-client.js';

const IPRESERVATION = `${INFRA}ipreservation`;
const SSH_KEY = 'http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key';
const text = (stack: E2eStack) => new PlainClient('text/plain', () => stack.url, stack.alice.token);
const json = (stack: E2eStack) =>
  new PlainClient('application/occi+json', () => stack.url, stack.alice.token);

/** Creates a compute (201) and waits for the simulator's jobs; its absolute location. */
async function compute(client: PlainClient, stack: E2eStack, attributes = {}, mixins: string[] = []) {
  const answer = await client.request('POST', '/compute', { kind: COMPUTE, mixins, attributes });
  expect(answer.status, answer.body).toBe(201);
  await stack.settle();
  return answer.headers.get('location')!;
}

/** The requests the simulator got for the compute, network and volume services (not identity). */
const serviceCalls = (calls: { method: string; path: string }[]) =>
  calls.filter((c) => !c.path.startsWith('/identity')).map((c) => `${c.method} ${c.path}`);

// ---------------------------------------------------------------------------------------------
describe('absolute locations', () => {
  it('are under --public-url in headers and bodies, and come back accepted', async () => {
    const stack = await startE2eStack({ occi: { publicUrl: 'https://cloud.example.org/occi/' } });
    try {
      const base = 'https://cloud.example.org/occi';
      const client = text(stack);
      const created = await client.request('POST', '/compute', { kind: COMPUTE });
      expect(created.status).toBe(201);
      const location = created.headers.get('location')!;
      expect(location).toMatch(new RegExp(`^${base}/compute/\\d+$`));
      expect(client.locations(created)).toEqual([location]);
      await stack.settle();
      // Requested on the server itself, the locations the answers give still name the public URL.
      const path = location.slice(base.length);
      const got = await client.get(path);
      for (const l of client.entity(got).links) expect(l.target.startsWith(`${base}/`)).toBe(true);
      expect(client.locations(await client.get('/compute/'))).toEqual([location]);
      const query = await client.get('/-/');
      expect(query.body).toContain(`location="${base}/compute/"`);
      // A location under the public URL is this server's (here: a link end).
      const volume = await client.request('POST', '/storage', {
        kind: STORAGE,
        attributes: { 'occi.storage.size': 1 },
      });
      const refused = await client.request('POST', '/link/storagelink/', {
        kind: STORAGELINK,
        attributes: { 'occi.core.source': location, 'occi.core.target': volume.headers.get('location')! },
      });
      // Cyclades' own refusal (volume types differ) proves the ends were understood as ours.
      expect(refused.status).toBe(400);
      expect(client.error(refused)).toContain('volume type');
    } finally {
      await stack.close();
    }
  });

  it('are under the address the server listens on without --public-url, whatever the Host header says', async () => {
    const stack = await startE2eStack();
    try {
      const created = await text(stack).request(
        'POST',
        '/compute',
        { kind: COMPUTE },
        { Host: 'evil.example' },
      );
      expect(created.headers.get('location')).toMatch(new RegExp(`^${stack.url}/compute/\\d+$`));
      expect(text(stack).locations(created)).toEqual([created.headers.get('location')]);
      await stack.settle();
    } finally {
      await stack.close();
    }
  });

  it('are paths in the relative mode (--relative-locations), which still accepts absolute ones', async () => {
    const stack = await startE2eStack({ occi: { relativeLocations: true } });
    try {
      const client = text(stack);
      const created = await client.request('POST', '/compute', { kind: COMPUTE });
      expect(created.headers.get('location')).toMatch(/^\/compute\/\d+$/);
      expect(client.locations(created)).toEqual([created.headers.get('location')]);
      await stack.settle();
      expect(client.locations(await client.get('/compute/'))).toEqual([created.headers.get('location')]);
    } finally {
      await stack.close();
    }
  });

  it('serve takes --relative-locations and refuses a --public-url that is no http(s) URL', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      expect(await serveCommand.run(['--public-url', 'cloud.example.org'])).toBe(2);
      expect(errors.join('\n')).toContain('--public-url');
      expect(serveCommand.usage).toContain('--relative-locations');
    } finally {
      console.error = original;
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('paths the previous snf-occi accepted', () => {
  let stack: E2eStack;
  let client: PlainClient;
  beforeAll(async () => {
    stack = await startE2eStack();
    client = text(stack);
  });
  afterAll(() => stack?.close());

  it.each(['/compute', '/network', '/storage', '/link', '/networklink', '/storagelink'])(
    'GET %s (no trailing slash) lists its collection, as with the slash',
    async (path) => {
      const bare = await client.get(path);
      const slashed = await client.get(`${path}/`);
      expect(bare.status).toBe(200);
      expect(client.locations(bare)).toEqual(client.locations(slashed));
    },
  );

  it('text/uri-list is a listing at a collection path without its slash too', async () => {
    const answer = await send(client.url('/network'), 'GET', {
      Accept: 'text/uri-list',
      'X-Auth-Token': client.token,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(`${stack.url}/network/1\r\n`);
  });

  it('serves network interfaces and storage links at /networklink/ and /storagelink/, rendering the canonical locations', async () => {
    const vm = await compute(client, stack, {}, [DETACHABLE_FLAVOR]);
    const volume = await client.request('POST', '/storage', {
      kind: STORAGE,
      attributes: { 'occi.storage.size': 1 },
    });
    const network = await client.request('POST', '/network', {
      kind: NETWORK,
      mixins: [IPNETWORK],
      attributes: { 'occi.network.address': '10.9.0.0/24' },
    });
    const disk = await client.request('POST', '/storagelink/', {
      kind: STORAGELINK,
      attributes: { 'occi.core.source': vm, 'occi.core.target': volume.headers.get('location')! },
    });
    expect(disk.status, disk.body).toBe(201);
    expect(disk.headers.get('location')).toMatch(new RegExp(`^${stack.url}/link/storagelink/\\d+$`));
    const nic = await client.request('POST', '/networklink/', {
      kind: NETWORKINTERFACE,
      attributes: { 'occi.core.source': vm, 'occi.core.target': network.headers.get('location')! },
    });
    expect(nic.status, nic.body).toBe(201);
    const nicLocation = nic.headers.get('location')!;
    expect(nicLocation).toMatch(new RegExp(`^${stack.url}/link/networkinterface/\\d+$`));
    await stack.settle();
    const id = nicLocation.split('/').pop();
    const viaAlias = await client.get(`/networklink/${id}`);
    expect(viaAlias.status).toBe(200);
    expect(client.entity(viaAlias).kind).toBe(NETWORKINTERFACE);
    expect(client.locations(await client.get('/networklink/'))).toContain(nicLocation);
    expect(client.locations(await client.get('/storagelink/'))).toContain(disk.headers.get('location'));
    // The query interface names the canonical collections only.
    const query = await client.get('/-/');
    expect(query.body).toContain(`location="${stack.url}/link/networkinterface/"`);
    expect(query.body).not.toContain('/networklink/');
    expect((await client.delete(`/networklink/${id}`)).status).toBe(200);
    expect((await client.delete(vm)).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
describe('header lines (Python http.client reads at most 100, of at most 65536 bytes each)', () => {
  const pythonReads = (lines: [string, string][]) => {
    expect(lines.length).toBeLessThan(100);
    for (const [name, value] of lines) expect(name.length + value.length + 2).toBeLessThan(65536);
  };

  it('text/occi GET /-/ folds the categories into comma-separated lines', async () => {
    const stack = await startE2eStack();
    try {
      const answer = await send(`${stack.url}/-/`, 'GET', {
        Accept: 'text/occi',
        'X-Auth-Token': stack.alice.token,
      });
      expect(answer.status).toBe(200);
      pythonReads(answer.lines);
      // More than 100 categories (the simulator's 96 flavors alone), all there.
      const plain = await text(stack).get('/-/');
      const expected = plain.body.split('\n').filter((l) => l.startsWith('Category:')).length;
      expect(expected).toBeGreaterThan(100);
      expect(readHeaderValues(answer.headers, 'category')).toHaveLength(expected);
    } finally {
      await stack.close();
    }
  });

  it('a 1,000-entity X-OCCI-Location listing stays within a few lines', async () => {
    const entities: Resource[] = Array.from({ length: 1000 }, (_, i) => ({
      kind: COMPUTE,
      id: String(100000 + i),
      location: `/compute/${100000 + i}`,
      mixins: [],
      attributes: {},
      actions: [],
      links: [],
    }));
    const service: EntityService = {
      async execute(op: Operation) {
        if (op.op !== 'list') throw new Error(`unexpected ${op.op}`);
        return { status: 200, document: { type: 'collection', entities } };
      },
      async categories() {
        return [];
      },
    };
    const stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-clients-'));
    let server: RunningOcciServer | undefined;
    try {
      server = await startOcciServer({
        port: 0,
        ruleSet: await shippedRules(),
        stateDir,
        service,
        log: createLog({ level: 'error', write: () => {} }),
      });
      const answer = await send(`${server.url}/compute/`, 'GET', { Accept: 'text/occi' });
      expect(answer.status).toBe(200);
      pythonReads(answer.lines);
      expect(readHeaderValues(answer.headers, 'x-occi-location')).toEqual(
        entities.map((e) => `${server!.url}${e.location}`),
      );
    } finally {
      await server?.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe.each(RENDERINGS)('every attribute rendered is declared, %s', (rendering) => {
  let stack: E2eStack;
  let client: PlainClient;
  beforeAll(async () => {
    stack = await startE2eStack();
    client = new PlainClient(rendering, () => stack.url, stack.alice.token);
  });
  afterAll(() => stack?.close());

  it('on computes, networks, IP reservations, storage and links, as the query interface declares them', async () => {
    const model = JSON.parse((await json(stack).get('/-/')).body) as {
      kinds: { term: string; scheme: string; parent?: string; attributes?: Record<string, unknown> }[];
      mixins: { term: string; scheme: string; depends?: string[]; attributes?: Record<string, unknown> }[];
    };
    const kinds = new Map(model.kinds.map((k) => [k.scheme + k.term, k]));
    const mixins = new Map(model.mixins.map((m) => [m.scheme + m.term, m]));
    const declared = (kind: string, mine: string[]) => {
      const names = new Set<string>();
      for (let k = kinds.get(kind); k; k = k.parent ? kinds.get(k.parent) : undefined)
        for (const n of Object.keys(k.attributes ?? {})) names.add(n);
      const visit = (id: string) => {
        const m = mixins.get(id);
        for (const n of Object.keys(m?.attributes ?? {})) names.add(n);
        for (const d of m?.depends ?? []) visit(d);
      };
      for (const m of mine) visit(m);
      return names;
    };
    const vm = await compute(json(stack), stack, { 'occi.core.summary': 'declared' }, [DETACHABLE_FLAVOR]);
    const volume = (
      await json(stack).request('POST', '/storage', { kind: STORAGE, attributes: { 'occi.storage.size': 1 } })
    ).headers.get('location')!;
    const reservation = (
      await json(stack).request('POST', '/ipreservation', { kind: IPRESERVATION })
    ).headers.get('location')!;
    await json(stack).request('POST', '/storagelink', {
      kind: STORAGELINK,
      attributes: { 'occi.core.source': vm, 'occi.core.target': volume },
    });
    await json(stack).request('POST', '/networklink', {
      kind: NETWORKINTERFACE,
      attributes: { 'occi.core.source': vm, 'occi.core.target': `${stack.url}/network/1` },
    });
    await stack.settle();
    const checked: string[] = [];
    for (const location of [vm, volume, reservation, `${stack.url}/network/1`]) {
      const answer = await client.get(location);
      expect(answer.status).toBe(200);
      const e = client.entity(answer);
      const names = declared(e.kind, e.mixins);
      for (const a of Object.keys(e.attributes)) expect(names, `${e.kind} ${a}`).toContain(a);
      // And the links it renders inline.
      for (const l of e.links) {
        const linkNames = declared(l.kind!, [
          ...(l.kind === NETWORKINTERFACE
            ? ['http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface']
            : []),
        ]);
        for (const a of Object.keys(l.attributes)) expect(linkNames, `${l.kind} ${a}`).toContain(a);
      }
      checked.push(e.kind);
    }
    // Links, as their own entities.
    for (const collection of ['/link/networkinterface/', '/link/storagelink/']) {
      const listed =
        rendering === 'application/occi+json' ? [] : client.locations(await client.get(collection));
      for (const location of listed) {
        const e = client.entity(await client.get(location));
        const names = declared(e.kind, e.mixins);
        for (const a of Object.keys(e.attributes)) expect(names, `${e.kind} ${a}`).toContain(a);
        checked.push(e.kind);
      }
    }
    expect(checked).toEqual(expect.arrayContaining([COMPUTE, STORAGE, IPRESERVATION, NETWORK]));
    if (rendering !== 'application/occi+json')
      expect(checked).toEqual(expect.arrayContaining([NETWORKINTERFACE, STORAGELINK]));
  });
});

// ---------------------------------------------------------------------------------------------
describe('PUT and POST accept what a GET returned', () => {
  let stack: E2eStack;
  let client: PlainClient;
  beforeAll(async () => {
    stack = await startE2eStack();
    client = text(stack);
  });
  afterAll(() => stack?.close());

  it('unchanged immutable attributes and existing links are fine; a changed immutable attribute is 400 naming it', async () => {
    const vm = await compute(client, stack);
    const read = await client.get(vm);
    expect(read.body).toContain('occi.compute.state="active"');
    expect(read.body).toContain('Link: <');
    const same = await send(
      vm,
      'PUT',
      { 'Content-Type': 'text/plain', Accept: 'text/plain', 'X-Auth-Token': client.token },
      read.body,
    );
    expect(same.status, same.body).toBe(200);
    const partial = await client.request('POST', vm, {
      attributes: { 'occi.compute.state': 'active', 'occi.core.title': 'again' },
    });
    expect(partial.status, partial.body).toBe(200);
    const changed = await send(
      vm,
      'PUT',
      { 'Content-Type': 'text/plain', Accept: 'text/plain', 'X-Auth-Token': client.token },
      read.body.replace('occi.compute.state="active"', 'occi.compute.state="inactive"'),
    );
    expect(changed.status).toBe(400);
    expect(client.error(changed)).toContain("'occi.compute.state' is immutable");
    const otherId = await client.request('POST', vm, { attributes: { 'occi.core.id': '999' } });
    expect(otherId.status).toBe(400);
    expect(client.error(otherId)).toContain("'occi.core.id'");
    // A link the entity does not have cannot come with a PUT (OCCI: 400).
    const newLink = await send(
      vm,
      'PUT',
      { 'Content-Type': 'text/plain', Accept: 'text/plain', 'X-Auth-Token': client.token },
      `${read.body}Link: <${stack.url}/network/1>; rel="${INFRA}network"; category="${NETWORKINTERFACE}"\n`,
    );
    expect(newLink.status).toBe(400);
    expect(client.error(newLink)).toContain('cannot create links');
  });
});

// ---------------------------------------------------------------------------------------------
describe('statuses', () => {
  let stack: E2eStack;
  let client: PlainClient;
  beforeAll(async () => {
    stack = await startE2eStack();
    client = text(stack);
  });
  afterAll(() => stack?.close());

  it('DELETE of a deleted compute is 404, as GET says', async () => {
    const vm = await compute(client, stack);
    expect((await client.delete(vm)).status).toBe(200);
    await stack.settle();
    expect((await client.get(vm)).status).toBe(404);
    const again = await client.delete(vm);
    expect(again.status).toBe(404);
    expect(client.error(again)).toContain('has been deleted');
  });

  it.each([
    ['GET', '/compute/abc'],
    ['PUT', '/compute/myvm'],
    ['GET', '/compute/detail'],
    ['DELETE', '/network/public'],
    ['GET', '/link/networkinterface/eth0'],
  ])('%s %s: an id that cannot exist is 404, without a backend call', async (method, path) => {
    await client.get('/-/'); // the session and templates, cached: not part of what is counted
    const body = method === 'PUT' ? { kind: COMPUTE } : undefined;
    const { result, calls } = await stack.callsDuring(() => client.request(method, path, body));
    expect(result.status).toBe(404);
    expect(client.error(result)).toContain(path);
    expect(serviceCalls(calls)).toEqual([]);
  });

  it('a /8 network address is 400 naming it, not 413', async () => {
    const answer = await client.request('POST', '/network', {
      kind: NETWORK,
      mixins: [IPNETWORK],
      attributes: { 'occi.network.address': '10.0.0.0/8' },
    });
    expect(answer.status).toBe(400);
    expect(client.error(answer)).toContain('occi.network.address 10.0.0.0/8');
  });

  it.each([
    ['a collection', (url: string) => `${url}/compute/`],
    ['a path without an id', (url: string) => `${url}/compute`],
    ['another host', () => 'http://evil.example/compute/101'],
    ['an id that cannot be one', (url: string) => `${url}/compute/detail`],
  ])('an X-OCCI-Location naming %s is 400 naming it, without a backend call', async (_what, location) => {
    const scheme = `http://example.com/occi/${Math.random().toString(36).slice(2)}#`;
    const term = 'tagged';
    const made = await client.request('POST', '/-/', undefined, {
      Category: `${term}; scheme="${scheme}"; class="mixin"; location="/${scheme.slice(-9, -1)}/"`,
    });
    expect(made.status, made.body).toBe(200);
    const target = location(stack.url);
    const { result, calls } = await stack.callsDuring(() =>
      client.request('POST', `/${scheme.slice(-9, -1)}/`, { locations: [target] }),
    );
    expect(result.status, result.body).toBe(400);
    // Named by its path on this server, or whole when it is not on this server.
    expect(client.error(result)).toContain(
      target.startsWith(stack.url) ? target.slice(stack.url.length) : target,
    );
    expect(serviceCalls(calls).filter((c) => !c.startsWith('GET'))).toEqual([]);
  });

  it('POST /-/ without a token is 401 with the Keystone challenge', async () => {
    const answer = await send(`${stack.url}/-/`, 'POST', {
      Accept: 'text/plain',
      Category: 'mine; scheme="http://example.com/occi/anon#"; class="mixin"; location="/mine/"',
    });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe(`Keystone uri='${stack.sim.url}/identity'`);
  });

  it.each(RENDERINGS)(
    'start with "method": "graceful" is accepted (%s); another undefined attribute is 400',
    async (rendering) => {
      const c = new PlainClient(rendering, () => stack.url, stack.alice.token);
      const vm = await compute(c, stack);
      expect((await c.action(vm, 'stop')).status).toBe(200);
      await stack.settle();
      const start = await c.action(vm, 'start', { method: 'graceful' });
      expect(start.status, c.error(start)).toBe(200);
      await stack.settle();
      expect(
        stack.sim.snapshot().users[stack.alice.userId]!.servers.find((s) => vm.endsWith(`/${s.id}`))?.status,
      ).toBe('ACTIVE');
      const odd = await c.action(vm, 'start', { speed: 'fast' });
      expect(odd.status).toBe(400);
      expect(c.error(odd)).toContain("'speed'");
    },
  );
});

// ---------------------------------------------------------------------------------------------
describe('nothing accepted and dropped', () => {
  let stack: E2eStack;
  let client: PlainClient;
  let images: { id: string; name: string }[];
  beforeAll(async () => {
    stack = await startE2eStack();
    client = text(stack);
    const listed = await send(`${stack.sim.url}/compute/v2.0/images/detail`, 'GET', {
      'X-Auth-Token': stack.alice.token,
      Accept: 'application/json',
    });
    images = (
      JSON.parse(listed.body) as { images: { id: string; name: string; status: string }[] }
    ).images.filter((i) => i.status === 'ACTIVE');
  });
  afterAll(() => stack?.close());

  /** The simulator's view of a server (Cyclades' detail form). */
  const server = (location: string) =>
    stack.sim.snapshot().users[stack.alice.userId]!.servers.find((s) => location.endsWith(`/${s.id}`)) as {
      image: { id: string };
      metadata: Record<string, string>;
      tags: string[];
    };

  it('changing os_tpl by POST or PUT is 501 naming it', async () => {
    const vm = await compute(client, stack, {}, [OS_SCHEME + images[0]!.id]);
    const other = OS_SCHEME + images[1]!.id;
    const post = await client.request('POST', vm, { mixins: [other] });
    expect(post.status).toBe(501);
    expect(client.error(post)).toContain('os_tpl');
    const put = await client.request('PUT', vm, { kind: COMPUTE, mixins: [other] });
    expect(put.status).toBe(501);
    expect(server(vm).image.id).toBe(images[0]!.id);
  });

  it('a Link header on a partial update makes the link', async () => {
    const vm = await compute(client, stack);
    const before = client.entity(await client.get(vm)).links.length;
    const network = await client.request('POST', '/network', { kind: NETWORK });
    const target = network.headers.get('location')!;
    const answer = await client.request('POST', vm, {
      links: [`<${target}>; rel="${INFRA}network"; category="${NETWORKINTERFACE}"`],
    });
    expect(answer.status, answer.body).toBe(200);
    const after = client.entity(answer).links;
    expect(after).toHaveLength(before + 1);
    expect(after.some((l) => l.target === target && l.kind === NETWORKINTERFACE)).toBe(true);
    await stack.settle();
  });

  it('adding ssh_key after creation is 400 naming it', async () => {
    const vm = await compute(client, stack);
    const answer = await client.request('POST', vm, {
      mixins: [SSH_KEY],
      attributes: { 'occi.credentials.ssh.publickey': 'ssh-ed25519 AAAA user@host' },
    });
    expect(answer.status).toBe(400);
    expect(client.error(answer)).toContain('ssh_key');
  });

  it('occi.core.summary given on create is kept (in the server metadata) and rendered', async () => {
    const vm = await compute(client, stack, { 'occi.core.summary': 'the web tier' });
    expect(server(vm).metadata['occi.core.summary']).toBe('the web tier');
    expect(client.entity(await client.get(vm)).attributes['occi.core.summary']).toBe('the web tier');
    const changed = await client.request('POST', vm, { attributes: { 'occi.core.summary': 'the db tier' } });
    expect(changed.status, changed.body).toBe(200);
    expect(server(vm).metadata['occi.core.summary']).toBe('the db tier');
  });

  it.each(['occi.compute.speed', 'occi.compute.architecture'])(
    '%s on create is 400 naming it, and nothing is created',
    async (name) => {
      const before = stack.sim.snapshot().users[stack.alice.userId]!.servers.length;
      const answer = await client.request('POST', '/compute', {
        kind: COMPUTE,
        attributes: { [name]: name.endsWith('speed') ? 2.4 : 'x64' },
      });
      expect(answer.status).toBe(400);
      expect(client.error(answer)).toContain(name);
      expect(stack.sim.snapshot().users[stack.alice.userId]!.servers).toHaveLength(before);
    },
  );

  it('a PUT that leaves a user mixin out removes it', async () => {
    const scheme = 'http://example.com/occi/put-tags#';
    expect(
      (
        await client.request('POST', '/-/', undefined, {
          Category: `web; scheme="${scheme}"; class="mixin"; location="/web/"`,
        })
      ).status,
    ).toBe(200);
    const vm = await compute(client, stack);
    expect((await client.request('POST', '/web/', { locations: [vm] })).status).toBe(200);
    const read = await client.get(vm);
    expect(client.entity(read).mixins).toContain(`${scheme}web`);
    const withoutTag = read.body
      .split('\n')
      .filter((l) => !l.includes(`scheme="${scheme}"`))
      .join('\n');
    const put = await send(
      vm,
      'PUT',
      { 'Content-Type': 'text/plain', Accept: 'text/plain', 'X-Auth-Token': client.token },
      withoutTag,
    );
    expect(put.status, put.body).toBe(200);
    expect(client.entity(put).mixins).not.toContain(`${scheme}web`);
    expect(server(vm).tags).not.toContain('occi.web');
  });

  it('other attributes Cyclades keeps nowhere are refused too: a network summary, a link title', async () => {
    const network = await client.request('POST', '/network', {
      kind: NETWORK,
      attributes: { 'occi.core.summary': 'x' },
    });
    expect(network.status).toBe(400);
    expect(client.error(network)).toContain('occi.core.summary');
    const vm = await compute(client, stack);
    const nic = await client.request('POST', '/link/networkinterface', {
      kind: NETWORKINTERFACE,
      attributes: {
        'occi.core.source': vm,
        'occi.core.target': `${stack.url}/network/1`,
        'occi.core.title': 'eth9',
      },
    });
    expect(nic.status).toBe(400);
    expect(client.error(nic)).toContain('occi.core.title');
  });

  it('a storage summary is kept as the volume description', async () => {
    const answer = await client.request('POST', '/storage', {
      kind: STORAGE,
      attributes: { 'occi.storage.size': 1, 'occi.core.summary': 'scratch space' },
    });
    expect(answer.status).toBe(201);
    expect(
      client.entity(await client.get(answer.headers.get('location')!)).attributes['occi.core.summary'],
    ).toBe('scratch space');
  });
});

// ---------------------------------------------------------------------------------------------
describe('clients that do not wait', () => {
  let stack: E2eStack;
  let client: PlainClient;
  beforeAll(async () => {
    stack = await startE2eStack({
      simulator: { delays: { build: 0, port: 1500, volume: 1500, destroy: 50 } },
    });
    client = text(stack);
  });
  afterAll(() => stack?.close());

  it('a network interface just made is on its compute at once, pending, then active; GET compute costs 3 calls meanwhile, 1 after', async () => {
    const vm = await compute(client, stack);
    const network = await client.request('POST', '/network', {
      kind: NETWORK,
      mixins: [IPNETWORK],
      attributes: { 'occi.network.address': '10.8.0.0/24' },
    });
    const target = network.headers.get('location')!;
    const nic = await client.request('POST', '/networklink', {
      kind: NETWORKINTERFACE,
      attributes: { 'occi.core.source': vm, 'occi.core.target': target },
    });
    expect(nic.status, nic.body).toBe(201);
    const { result, calls } = await stack.callsDuring(() => client.get(vm));
    const pending = client.entity(result).links.find((l) => l.target === target);
    expect(pending?.self).toBe(nic.headers.get('location'));
    expect(pending?.attributes['occi.networkinterface.state']).toBe('inactive');
    expect(serviceCalls(calls)).toEqual([
      `GET /compute/v2.0/servers/${vm.split('/').pop()}`,
      'GET /network/v2.0/ports',
      'GET /volume/v2.0/volumes/detail',
    ]);
    const active = await pollUntil(
      client,
      vm,
      (e) => e.links.find((l) => l.target === target)?.attributes['occi.networkinterface.state'] === 'active',
      'connected',
    );
    expect(
      active.links.find((l) => l.target === target)?.attributes['occi.networkinterface.interface'],
    ).toMatch(/^eth\d$/);
    const settled = await stack.callsDuring(() => client.get(vm));
    expect(serviceCalls(settled.calls)).toEqual([`GET /compute/v2.0/servers/${vm.split('/').pop()}`]);
  });

  it('subtree DELETE / removes what the user owns below it and answers 200; the public network stays', async () => {
    const vm = await compute(client, stack, {}, [DETACHABLE_FLAVOR]);
    await client.request('POST', '/storage', { kind: STORAGE, attributes: { 'occi.storage.size': 1 } });
    const network = await client.request('POST', '/network', { kind: NETWORK });
    await client.request('POST', '/networklink', {
      kind: NETWORKINTERFACE,
      attributes: { 'occi.core.source': vm, 'occi.core.target': network.headers.get('location')! },
    });
    await client.request('POST', '/ipreservation', { kind: IPRESERVATION });
    const answer = await client.delete('/');
    expect(answer.status, answer.body).toBe(200);
    await stack.settle();
    const left = stack.sim.snapshot().users[stack.alice.userId]!;
    expect(left.servers).toEqual([]);
    expect(left.networks).toEqual([]);
    expect(left.volumes).toEqual([]);
    expect(left.floatingIps).toEqual([]);
    expect(client.locations(await client.get('/'))).toEqual([`${stack.url}/network/1`]);
  });

  it("DELETE /network/ removes the user's networks and skips the public one (200)", async () => {
    await client.request('POST', '/network', { kind: NETWORK });
    const answer = await client.delete('/network/');
    expect(answer.status, answer.body).toBe(200);
    expect(stack.sim.snapshot().users[stack.alice.userId]!.networks).toEqual([]);
    expect((await client.get('/network/1')).status).toBe(200);
  });

  it('GET /mixin/ lists what lies below it (the members of /mixin/os_tpl/, …)', async () => {
    const vm = await compute(client, stack);
    const osTpl = client.locations(await client.get('/mixin/os_tpl/'));
    expect(osTpl).toContain(vm);
    expect(client.locations(await client.get('/mixin/'))).toEqual(expect.arrayContaining(osTpl));
  });
});

// ---------------------------------------------------------------------------------------------
describe.each(RENDERINGS)('OCCI 1.1 clients (User-Agent OCCI/1.1), %s', (rendering) => {
  let stack: E2eStack;
  let client: PlainClient;
  beforeAll(async () => {
    stack = await startE2eStack();
    client = new PlainClient(rendering, () => stack.url, stack.alice.token, {
      'User-Agent': 'occi-client OCCI/1.1',
    });
  });
  afterAll(() => stack?.close());

  it('an empty collection is 204 No Content, and the server says it speaks OCCI/1.1', async () => {
    const empty = await client.get('/compute/');
    expect(empty.status).toBe(204);
    expect(empty.body).toBe('');
    expect(empty.headers.get('server')).toMatch(/ OCCI\/1\.1$/);
    const modern = new PlainClient(rendering, () => stack.url, stack.alice.token);
    const same = await modern.get('/compute/');
    expect(same.status).toBe(200);
    expect(same.headers.get('server')).toMatch(/ OCCI\/1\.2$/);
  });

  it('a changed immutable attribute and a mixin that does not apply are 403 (1.2: 400)', async () => {
    const vm = await compute(client, stack);
    const immutable = await client.request('POST', vm, { attributes: { 'occi.compute.state': 'error' } });
    expect(immutable.status).toBe(403);
    expect(client.error(immutable)).toContain('occi.compute.state');
    const inapplicable = await client.request('POST', '/network', { kind: NETWORK, mixins: [SSH_KEY] });
    expect(inapplicable.status).toBe(403);
    const modern = new PlainClient(rendering, () => stack.url, stack.alice.token);
    expect((await modern.request('POST', vm, { attributes: { 'occi.compute.state': 'error' } })).status).toBe(
      400,
    );
  });
});
