// End to end: an OCCI client (one run per rendering) → snf-occi (the OCCI server and the mapping
// engine with the shipped rules) → the Cyclades simulator, and back. Drives every operation of the
// original snf-occi design (docs/operations.md is the spec, including the backend calls each
// operation makes) and checks its effect where it lands: in the simulator's state, its request
// log, and the bodies snf-occi sent.
//
// Each rendering gets its own stack (a fresh simulator: ids restart at 101). The main stack has
// zero job delays (jobs complete at once, `settle()` waits for them); the lifecycle stack has short
// delays so that BUILD, REBOOT and RESIZE can be seen (one server goes through them in turn), and
// short backend timeouts for the 504 case. Every other test creates what it uses; alice's and bob's
// servers are purged after each one. Request bodies are read from the engine's recording backend
// client (`stack.sent`): the simulator logs methods and paths only.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DelayKind, LoggedRequest } from '../../src/simulator/index.js';
import { BOB_TOKEN, type E2eStack, startE2eStack } from '../support/e2e-stack.js';
import { CLIENT_NAMES, type CategoryRef, type OcciResponse, splitTypeId } from '../support/occi-clients.js';
import { validateOcciJson } from '../support/occi-schema.js';
import {
  ACTION,
  COMPUTE,
  type E2eClient,
  type EntityView,
  e2eClient,
  INFRA,
  OS_SCHEME,
  OS_TPL,
  RESOURCE_SCHEME,
  RESOURCE_TPL,
  sendRaw,
} from './e2e-client.js';

const JSON_RENDERING = 'application/occi+json';
const USER_MIXIN_BASE = 'http://schemas.snf-occi.org/occi#user_mixin';
const MINE = 'http://example.org/e2e/mine#';
const STOP = `${ACTION}stop`;
const START = `${ACTION}start`;
const RESTART = `${ACTION}restart`;

// ---------------------------------------------------------------------------------------------
// The simulator side: its own API (with a user's token) and its state

interface CycladesImage {
  id: string;
  name: string;
  status: string;
  metadata: Record<string, string>;
}

interface CycladesFlavor {
  id: number;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  'SNF:volume_type': number;
  'SNF:allow_create'?: boolean;
}

interface CycladesServer {
  id: number;
  name: string;
  status: string;
  tags: string[];
  flavor: { id: number };
  image: { id: string };
  volumes: number[];
}

/** A call to the simulator's own API (Cyclades, network) with a token; throws on an error status. */
async function cyclades<T>(stack: E2eStack, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(stack.sim.url + path, {
    method,
    headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The live servers of a user, as the simulator shows them. */
function serversOf(stack: E2eStack, userId: string): CycladesServer[] {
  const user = stack.sim.snapshot().users[userId];
  if (!user) throw new Error(`no simulator user ${userId}`);
  return user.servers as unknown as CycladesServer[];
}

function serverOf(
  stack: E2eStack,
  location: string,
  userId = stack.alice.userId,
): CycladesServer | undefined {
  const id = Number(idOf(location));
  return serversOf(stack, userId).find((s) => s.id === id);
}

/** Deletes every server of a user straight on the backend (test set-up, not under test). */
async function purgeServers(stack: E2eStack, token: string, userId: string): Promise<void> {
  await stack.settle();
  for (const s of serversOf(stack, userId))
    await cyclades(stack, token, 'DELETE', `/compute/v2.0/servers/${s.id}`);
  await stack.settle();
}

// ---------------------------------------------------------------------------------------------
// Backend calls

/** Calls every request shares (token check, template listings; cached by snf-occi). */
const SHARED_CALL = /^\/identity\/v2\.0\/tokens$|\/images\/detail$|\/flavors\/detail$/;

/** `METHOD /path below the compute root`, leaving out the shared calls. */
function operationCalls(calls: LoggedRequest[]): string[] {
  return calls
    .filter((c) => !SHARED_CALL.test(c.path))
    .map((c) => `${c.method} ${c.path.replace(/^\/compute\/v2\.0/, '')}`);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function idOf(location: string): string {
  return location.slice(location.lastIndexOf('/') + 1);
}

function ref(typeId: string, cls?: CategoryRef['class']): CategoryRef {
  return { ...splitTypeId(typeId), ...(cls ? { class: cls } : {}) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function decodeBase64(s: unknown): string {
  return Buffer.from(String(s), 'base64').toString('utf8');
}

function describeResponse(r: OcciResponse): string {
  return `${r.status} ${r.body.slice(0, 300)}`;
}

// ---------------------------------------------------------------------------------------------
// The suite, once per rendering

describe.each(CLIENT_NAMES)('snf-occi end to end over the Cyclades simulator, %s', (name) => {
  let stack: E2eStack;
  let occi: E2eClient;
  let bob: E2eClient;
  let images: CycladesImage[];
  let flavors: CycladesFlavor[];
  /** Image ids by name, from the simulator's catalogue. */
  const image = (imageName: string) => {
    const found = images.find((i) => i.name === imageName);
    if (!found) throw new Error(`no image ${imageName}`);
    return found.id;
  };

  /** Creates a server through OCCI from an image and flavor; its location. */
  async function createServer(
    title: string,
    imageName = 'Debian Base',
    flavorId: number | string = 1,
    client = occi,
  ): Promise<string> {
    const { response, location } = await client.create('/compute/', {
      kind: COMPUTE,
      mixins: [OS_SCHEME + image(imageName), RESOURCE_SCHEME + flavorId],
      attributes: { 'occi.core.title': title },
    });
    expect(response.status, describeResponse(response)).toBe(201);
    expect(location).toMatch(/^\/compute\/\d+$/);
    return location!;
  }

  async function getEntity(location: string, client = occi): Promise<EntityView> {
    const { response, entity } = await client.get(location);
    expect(response.status, describeResponse(response)).toBe(200);
    return entity!;
  }

  /** Partial updates in JSON carry the kind (a JSON resource rendering needs one). */
  const partial = (input: { mixins?: string[]; attributes?: Record<string, string> }) =>
    name === JSON_RENDERING ? { kind: COMPUTE, ...input } : input;

  beforeAll(async () => {
    stack = await startE2eStack();
    occi = e2eClient(name, () => stack.url, stack.alice.token);
    bob = e2eClient(name, () => stack.url, stack.bob.token);
    images = (
      await cyclades<{ images: CycladesImage[] }>(
        stack,
        stack.alice.token,
        'GET',
        '/compute/v2.0/images/detail',
      )
    ).images;
    flavors = (
      await cyclades<{ flavors: CycladesFlavor[] }>(
        stack,
        stack.alice.token,
        'GET',
        '/compute/v2.0/flavors/detail',
      )
    ).flavors;
  });

  afterEach(async () => {
    stack.sim.clearFaults();
    await purgeServers(stack, stack.alice.token, stack.alice.userId);
    await purgeServers(stack, stack.bob.token, stack.bob.userId);
  });

  afterAll(async () => {
    await stack?.close();
  });

  // -------------------------------------------------------------------------------------------
  describe('query interface', () => {
    it('lists an os_tpl mixin per active image and a resource_tpl mixin per flavor', async () => {
      const { response, categories } = await occi.categories();
      expect(response.status).toBe(200);
      expect(response.contentType).toBe(occi.base.mediaType);

      const osTemplates = categories.filter((c) => c.scheme === OS_SCHEME);
      const active = images.filter((i) => i.status === 'ACTIVE');
      expect(active.length).toBeLessThan(images.length); // the simulator seeds one SAVING image
      expect(osTemplates.map((c) => c.term).sort()).toEqual(active.map((i) => i.id).sort());
      for (const t of osTemplates) {
        expect(t.class).toBe('mixin');
        expect(t.rel).toContain(OS_TPL);
        expect(t.title).toBe(active.find((i) => i.id === t.term)!.name);
        expect(t.location).toBe(`/mixin/os_tpl/${t.term}/`);
        if (occi.base.rendersApplies) expect(t.applies).toContain(COMPUTE);
      }

      const resourceTemplates = categories.filter((c) => c.scheme === RESOURCE_SCHEME);
      const creatable = flavors.filter((f) => f['SNF:allow_create'] !== false);
      expect(resourceTemplates.map((c) => c.term).sort()).toEqual(creatable.map((f) => String(f.id)).sort());
      for (const t of resourceTemplates) {
        expect(t.rel).toContain(RESOURCE_TPL);
        expect(t.title).toBe(creatable.find((f) => String(f.id) === t.term)!.name);
        expect(t.attributes).toEqual(expect.arrayContaining(['occi.compute.cores', 'occi.compute.memory']));
        expect(t.attributes.some((a) => a.includes('disk'))).toBe(true);
      }
      // The OGF parents are there too.
      for (const parent of [OS_TPL, RESOURCE_TPL])
        expect(categories.some((c) => c.scheme + c.term === parent && c.class === 'mixin')).toBe(true);

      if (name === JSON_RENDERING) {
        // Only JSON carries attribute defaults: cores, memory in GiB and disk per flavor.
        const doc = JSON.parse(response.body) as {
          mixins: { term: string; scheme: string; attributes: Record<string, { default?: unknown }> }[];
        };
        expect(validateOcciJson('model', doc)).toEqual([]);
        for (const f of creatable) {
          const m = doc.mixins.find((x) => x.scheme === RESOURCE_SCHEME && x.term === String(f.id))!;
          expect(m.attributes['occi.compute.cores']?.default).toBe(f.vcpus);
          expect(m.attributes['occi.compute.memory']?.default).toBe(f.ram / 1024);
          expect(m.attributes['org.synnefo.flavor.disk']?.default).toBe(f.disk);
        }
      }
    });

    it('adds a user mixin (seen by its owner only) and removes it, untagging its servers', async () => {
      const web = { term: 'web', scheme: MINE, location: '/web/', title: 'Web servers' };
      const added = await occi.addMixin(web);
      expect(added.response.status).toBe(200);
      expect(added.categories).toHaveLength(1);
      expect(added.categories[0]).toMatchObject({ term: 'web', scheme: MINE, location: '/web/' });
      // The rules make every user mixin a tag kept on the backend.
      expect(added.categories[0]!.rel).toContain(USER_MIXIN_BASE);

      const mine = await occi.categories([ref(MINE + 'web')]);
      expect(mine.response.status).toBe(200);
      expect(mine.categories.map((c) => c.scheme + c.term)).toEqual([MINE + 'web']);
      const theirs = await bob.categories();
      expect(theirs.categories.some((c) => c.scheme === MINE)).toBe(false);

      const a = await createServer('tagged-a');
      const b = await createServer('tagged-b');
      await stack.settle();
      expect((await occi.members('POST', '/web/', [a, b])).response.status).toBe(200);
      expect(serverOf(stack, a)!.tags).toContain('occi.web');

      const removed = await occi.removeMixin(ref(MINE + 'web'));
      expect(removed.status, describeResponse(removed)).toBe(200);
      // Removing a mixin removes its associations: the tags are gone from the backend.
      expect(serverOf(stack, a)!.tags).not.toContain('occi.web');
      expect(serverOf(stack, b)!.tags).not.toContain('occi.web');
      const after = await occi.categories();
      expect(after.categories.some((c) => c.scheme === MINE)).toBe(false);
      expect((await occi.list('/web/')).response.status).toBe(404);
    });

    // Regression, fixed (was: src/server/occi-app.ts, DELETE /-/ → service 'set-members' with no locations, whose
    // result src/engine/mapping-service.ts renders with members()): removing a user mixin makes
    // one more GET /servers/detail than docs/operations.md lists, and throws its result away.
    it('removing a user mixin makes only the calls docs/operations.md lists', async () => {
      await occi.addMixin({ term: 'tmp', scheme: MINE, location: '/tmp-mixin/' });
      const a = await createServer('tmp-a');
      await stack.settle();
      await occi.members('POST', '/tmp-mixin/', [a]);
      const { result, calls } = await stack.callsDuring(() => occi.removeMixin(ref(MINE + 'tmp')));
      expect(result.status).toBe(200);
      expect(operationCalls(calls)).toEqual([
        'GET /servers/detail',
        `DELETE /servers/${idOf(a)}/tags/occi.tmp`,
      ]);
    });
  });

  // text/occi carries the query interface in headers, all of it: about 40 KB with the simulator's
  // templates (docs/occi.md says so and recommends text/plain or JSON for it). It must be complete.
  (name === 'text/occi' ? it : it.skip)(
    'renders the whole query interface in text/occi headers',
    async () => {
      const occiHeaders = await sendRaw(stack.url, 'GET', '/-/', {
        Accept: 'text/occi',
        'X-Auth-Token': occi.token,
      });
      const plain = await sendRaw(stack.url, 'GET', '/-/', {
        Accept: 'text/plain',
        'X-Auth-Token': occi.token,
      });
      expect(occiHeaders.status).toBe(200);
      const inHeaders = (occiHeaders.headers.get('category')?.match(/; scheme="/g) ?? []).length;
      const inBody = (plain.body.match(/^Category:/gm) ?? []).length;
      expect(inHeaders).toBe(inBody);
      expect(inBody).toBeGreaterThan(100);
    },
  );

  // -------------------------------------------------------------------------------------------
  describe('name-space', () => {
    it('GET / and GET /compute/ list the instances; DELETE /compute/ deletes them all', async () => {
      const a = await createServer('ns-a');
      const b = await createServer('ns-b', 'Ubuntu Server LTS', 4);
      await stack.settle();

      // Everything below / (other kinds too, e.g. the servers' disks): the computes are there.
      const root = await occi.list('/');
      expect(root.response.status).toBe(200);
      expect(root.locations.filter((l) => l.startsWith('/compute/')).sort()).toEqual([a, b].sort());
      const disks = [a, b].flatMap((s) => serverOf(stack, s)!.volumes.map((v) => `/storage/${v}`));
      expect(root.locations).toEqual(expect.arrayContaining(disks));

      const { result: below, calls } = await stack.callsDuring(() => occi.list('/compute/'));
      expect(below.response.status).toBe(200);
      expect(below.locations.sort()).toEqual([a, b].sort());
      expect(operationCalls(calls)).toEqual(['GET /servers/detail']);
      if (name === JSON_RENDERING)
        expect(validateOcciJson('resource_collection', JSON.parse(below.response.body))).toEqual([]);

      // The Core resource kind's collection holds every resource, computes included.
      const resources = await occi.list('/resource/');
      expect(resources.response.status, describeResponse(resources.response)).toBe(200);
      expect(resources.locations).toEqual(expect.arrayContaining([a, b]));

      // Bob's name-space is his own.
      expect((await bob.list('/compute/')).locations).toEqual([]);

      const { result: deleted, calls: deleteCalls } = await stack.callsDuring(() => occi.delete('/compute/'));
      expect(deleted.status, describeResponse(deleted)).toBe(200);
      // Each server's delete rule, which in a bulk delete also waits (polling GET /servers/{id})
      // for the server to be gone, so that what used it can go next.
      expect([...new Set(operationCalls(deleteCalls))].sort()).toEqual(
        [
          'GET /servers/detail',
          'GET /network/v2.0/ports',
          `GET /servers/${idOf(a)}`,
          `DELETE /servers/${idOf(a)}`,
          `GET /servers/${idOf(b)}`,
          `DELETE /servers/${idOf(b)}`,
        ].sort(),
      );
      // Gone when the answer comes, not later.
      expect(serversOf(stack, stack.alice.userId)).toEqual([]);
      expect((await occi.list('/compute/')).locations).toEqual([]);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('mixins and kinds', () => {
    it('lists the servers built from one image, at the template location and filtered by it', async () => {
      const debian = await createServer('debian-1');
      const ubuntu = await createServer('ubuntu-1', 'Ubuntu Server LTS');
      await stack.settle();
      const debianTpl = OS_SCHEME + image('Debian Base');

      const { result: atLocation, calls } = await stack.callsDuring(() =>
        occi.list(`/mixin/os_tpl/${image('Debian Base')}/`),
      );
      expect(atLocation.response.status).toBe(200);
      expect(atLocation.locations).toEqual([debian]);
      expect(operationCalls(calls)).toEqual(['GET /servers/detail']);

      expect((await occi.list('/compute/', { categories: [ref(debianTpl, 'mixin')] })).locations).toEqual([
        debian,
      ]);
      expect(
        (await occi.list('/compute/', { categories: [ref(OS_SCHEME + image('Ubuntu Server LTS'), 'mixin')] }))
          .locations,
      ).toEqual([ubuntu]);
      // The OGF os_tpl location holds every server built from any image.
      expect((await occi.list('/mixin/os_tpl/')).locations.sort()).toEqual([debian, ubuntu].sort());
    });

    it('runs an action on every instance of a kind: POST /compute/?action=stop', async () => {
      const a = await createServer('all-a');
      const b = await createServer('all-b');
      await stack.settle();
      const { result, calls } = await stack.callsDuring(() => occi.action('/compute/', STOP));
      expect(result.status, describeResponse(result)).toBe(200);
      // Each action waits for its server to be settled (one GET when it is), then acts.
      expect(operationCalls(calls).sort()).toEqual(
        [
          'GET /servers/detail',
          `GET /servers/${idOf(a)}`,
          `POST /servers/${idOf(a)}/action`,
          `GET /servers/${idOf(b)}`,
          `POST /servers/${idOf(b)}/action`,
        ].sort(),
      );
      const shutdowns = stack.sent.filter((c) => c.method === 'POST' && c.path.endsWith('/action')).slice(-2);
      for (const c of shutdowns) expect(c.body).toEqual({ shutdown: {} });
      await stack.settle();
      for (const s of [a, b]) {
        expect(serverOf(stack, s)!.status).toBe('STOPPED');
        expect((await getEntity(s)).attributes['occi.compute.state']).toBe('inactive');
      }
    });

    it('associates, replaces and dissociates servers with a user mixin, kept as server tags across a restart', async () => {
      const added = await occi.addMixin({ term: 'db', scheme: MINE, location: '/db/', title: 'Databases' });
      expect(added.response.status).toBe(200);
      const db = MINE + 'db';
      const [s1, s2, s3] = [
        await createServer('db-1'),
        await createServer('db-2'),
        await createServer('db-3'),
      ];
      await stack.settle();
      const tagged = () =>
        serversOf(stack, stack.alice.userId)
          .filter((s) => s.tags.includes('occi.db'))
          .map((s) => `/compute/${s.id}`)
          .sort();

      // Associate (POST): one tag per server, then the collection is rendered.
      const { result: post, calls: postCalls } = await stack.callsDuring(() =>
        occi.members('POST', '/db/', [s1!, s2!]),
      );
      expect(post.response.status, describeResponse(post.response)).toBe(200);
      expect(post.locations.sort()).toEqual([s1, s2].sort());
      expect(operationCalls(postCalls).sort()).toEqual(
        [
          `PUT /servers/${idOf(s1!)}/tags/occi.db`,
          `PUT /servers/${idOf(s2!)}/tags/occi.db`,
          'GET /servers/detail',
        ].sort(),
      );
      expect(tagged()).toEqual([s1, s2].sort());
      expect((await occi.list('/db/')).locations.sort()).toEqual([s1, s2].sort());
      expect((await getEntity(s1!)).mixins).toContain(db);
      expect((await occi.list('/compute/', { categories: [ref(db)] })).locations.sort()).toEqual(
        [s1, s2].sort(),
      );

      // Full update (PUT): untag who is no longer listed, tag the listed.
      const { result: put, calls: putCalls } = await stack.callsDuring(() =>
        occi.members('PUT', '/db/', [s2!, s3!]),
      );
      expect(put.response.status, describeResponse(put.response)).toBe(200);
      expect(put.locations.sort()).toEqual([s2, s3].sort());
      const putList = operationCalls(putCalls);
      expect(putList[0]).toBe('GET /servers/detail');
      expect(putList.at(-1)).toBe('GET /servers/detail');
      expect(putList).toContain(`DELETE /servers/${idOf(s1!)}/tags/occi.db`);
      expect(putList).toContain(`PUT /servers/${idOf(s3!)}/tags/occi.db`);
      expect(tagged()).toEqual([s2, s3].sort());

      // The association lives in Cyclades: a restarted snf-occi still sees it.
      await stack.restartOcci();
      expect((await occi.list('/db/')).locations.sort()).toEqual([s2, s3].sort());
      expect((await getEntity(s3!)).mixins).toContain(db);
      expect((await getEntity(s1!)).mixins).not.toContain(db);

      // Dissociate (DELETE).
      const { result: del, calls: delCalls } = await stack.callsDuring(() =>
        occi.members('DELETE', '/db/', [s2!]),
      );
      expect(del.response.status, describeResponse(del.response)).toBe(200);
      expect(del.locations).toEqual([s3]);
      expect(operationCalls(delCalls)).toEqual([
        `DELETE /servers/${idOf(s2!)}/tags/occi.db`,
        'GET /servers/detail',
      ]);
      expect(tagged()).toEqual([s3]);

      // Bob cannot see alice's mixin collection.
      expect((await bob.list('/db/')).response.status).toBe(404);
      await occi.removeMixin(ref(db));
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('resource instances', () => {
    it('creates from templates listed by the query interface: 201, Location, title → server name', async () => {
      const { categories } = await occi.categories();
      const osTpl = categories.find((c) => c.rel.includes(OS_TPL) && c.title === 'Ubuntu Server LTS')!;
      const resourceTpl = categories.find(
        (c) => c.rel.includes(RESOURCE_TPL) && c.title === 'C2R2048D20drbd',
      )!;
      expect(osTpl).toBeDefined();
      expect(resourceTpl).toBeDefined();

      const { result, calls } = await stack.callsDuring(() =>
        occi.create(
          '/compute/',
          {
            kind: COMPUTE,
            mixins: [osTpl.scheme + osTpl.term, resourceTpl.scheme + resourceTpl.term],
            attributes: { 'occi.core.title': 'from-templates' },
          },
          { representation: true },
        ),
      );
      // The full rendering was asked for: 200 with the entity (and its Location); else 201.
      expect(result.response.status, describeResponse(result.response)).toBe(200);
      expect(result.location).toMatch(/^\/compute\/\d+$/);
      expect(operationCalls(calls)).toEqual(['POST /servers']);
      const created = result.entity!;
      expect(created.kind).toBe(COMPUTE);
      expect(created.attributes['occi.core.title']).toBe('from-templates');
      expect(created.attributes['occi.core.id']).toBe(idOf(result.location!));

      const server = serverOf(stack, result.location!)!;
      expect(server.name).toBe('from-templates');
      expect(server.image.id).toBe(osTpl.term);
      expect(String(server.flavor.id)).toBe(resourceTpl.term);
    });

    it('creates from OOI-style template mixins named by image and flavor id', async () => {
      const centos = image('CentOS 7');
      const { response, location } = await occi.create('/compute/', {
        kind: COMPUTE,
        mixins: [
          `http://schemas.openstack.org/template/os#${centos}`,
          'http://schemas.openstack.org/template/resource#4',
        ],
        attributes: { 'occi.compute.hostname': 'ooi-style' },
      });
      expect(response.status, describeResponse(response)).toBe(201);
      const server = serverOf(stack, location!)!;
      expect(server).toMatchObject({ name: 'ooi-style', image: { id: centos }, flavor: { id: 4 } });
    });

    it('creates from the kind alone: the default image and the smallest flavor that fits', async () => {
      const onDefaultVolume = flavors.filter(
        (f) => f['SNF:volume_type'] === 1 && f['SNF:allow_create'] !== false,
      );
      const smallest = (fits: (f: CycladesFlavor) => boolean) =>
        onDefaultVolume
          .filter(fits)
          .sort((x, y) => x.vcpus - y.vcpus || x.ram - y.ram || x.disk - y.disk)[0]!;
      const debian = images.find((i) => i.metadata.os === 'debian')!;

      const plain = await occi.create('/compute/', { kind: COMPUTE });
      expect(plain.response.status, describeResponse(plain.response)).toBe(201);
      expect(serverOf(stack, plain.location!)).toMatchObject({
        image: { id: debian.id },
        flavor: { id: smallest(() => true).id },
      });

      const sized = await occi.create('/compute/', {
        kind: COMPUTE,
        attributes: { 'occi.compute.cores': 2, 'occi.compute.memory': 3, 'occi.core.title': 'sized' },
      });
      expect(sized.response.status, describeResponse(sized.response)).toBe(201);
      const expected = smallest((f) => f.vcpus >= 2 && f.ram / 1024 >= 3);
      expect(serverOf(stack, sized.location!)!.flavor.id).toBe(expected.id);
      await stack.settle();
      const entity = await getEntity(sized.location!);
      expect(entity.attributes['occi.compute.cores']).toBe(expected.vcpus);
      expect(entity.attributes['occi.compute.memory']).toBe(expected.ram / 1024);
      expect(entity.mixins).toContain(RESOURCE_SCHEME + expected.id);
    });

    it('refuses a plain create no flavor fits with 400 naming what is missing, calling nothing', async () => {
      const { result, calls } = await stack.callsDuring(() =>
        occi.create('/compute/', {
          kind: COMPUTE,
          attributes: { 'occi.compute.cores': 64, 'occi.compute.memory': 1000 },
        }),
      );
      expect(result.response.status).toBe(400);
      const message = occi.error(result.response) ?? '';
      expect(message).toContain('64 cores');
      expect(message).toContain('1000 GiB');
      expect(message).toContain('resource_tpl');
      expect(operationCalls(calls)).toEqual([]);

      const memoryOnly = await occi.create('/compute/', {
        kind: COMPUTE,
        attributes: { 'occi.compute.memory': 512 },
      });
      expect(memoryOnly.response.status).toBe(400);
      expect(occi.error(memoryOnly.response)).toContain('512 GiB of memory');
      expect(occi.error(memoryOnly.response)).not.toContain('cores');
      expect(serversOf(stack, stack.alice.userId)).toEqual([]);
    });

    it('passes the ssh_key mixin as personality and user_data as user_data', async () => {
      const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2e2e e2e@example.org';
      const userData = '#cloud-config\npackages:\n  - "nginx"\n';
      const { response, location } = await occi.create('/compute/', {
        kind: COMPUTE,
        mixins: [
          `${INFRA.replace('#', '/credentials#')}ssh_key`,
          `${INFRA.replace('#', '/compute#')}user_data`,
        ],
        attributes: {
          'occi.core.title': 'contextualised',
          'occi.credentials.ssh.publickey': key,
          'occi.compute.userdata': userData,
        },
      });
      expect(response.status, describeResponse(response)).toBe(201);
      const sent = stack.sent
        .filter((c) => c.method === 'POST' && c.path === '/compute/v2.0/servers')
        .at(-1)!;
      expect(sent.status).toBe(202); // the simulator accepted it
      const server = (sent.body as { server: Record<string, unknown> }).server;
      expect(server.name).toBe('contextualised');
      const personality = server.personality as { path: string; contents: string; mode: number }[];
      expect(personality).toHaveLength(1);
      expect(personality[0]!.path).toBe('/root/.ssh/authorized_keys');
      expect(decodeBase64(personality[0]!.contents)).toBe(`${key}\n`);
      expect(decodeBase64(server.user_data)).toBe(userData);
      expect(serverOf(stack, location!)!.name).toBe('contextualised');

      // The ssh_key mixin without its key is a 400, before any call.
      const { result, calls } = await stack.callsDuring(() =>
        occi.create('/compute/', {
          kind: COMPUTE,
          mixins: [`${INFRA.replace('#', '/credentials#')}ssh_key`],
        }),
      );
      expect(result.response.status).toBe(400);
      expect(occi.error(result.response)).toContain('occi.credentials.ssh.publickey');
      expect(operationCalls(calls)).toEqual([]);
    });

    it('passes the OpenStack public_key mixin (ooi clients) as personality', async () => {
      const key = 'ssh-rsa AAAAB3NzaC1yc2E ooi@example.org';
      const { response } = await occi.create('/compute/', {
        kind: COMPUTE,
        mixins: ['http://schemas.openstack.org/instance/credentials#public_key'],
        attributes: { 'org.openstack.credentials.publickey.data': key },
      });
      expect(response.status, describeResponse(response)).toBe(201);
      const sent = stack.sent
        .filter((c) => c.method === 'POST' && c.path === '/compute/v2.0/servers')
        .at(-1)!;
      const server = (sent.body as { server: { personality: { contents: string }[] } }).server;
      expect(decodeBase64(server.personality[0]!.contents)).toBe(`${key}\n`);
    });

    // Regression, fixed (was: mappings/cyclades/compute.yaml, create rule, bind user_data): the OpenStack user_data
    // mixin's attribute is "base64-encoded by ooi clients" (its own description in
    // mappings/compat/openstack.yaml), as Nova and Cyclades want it, but the rule base64-encodes
    // it again: the server gets base64 text instead of the script.
    it('passes OpenStack user_data (already base64, from ooi clients) through unchanged', async () => {
      const script = '#!/bin/sh\necho hello\n';
      const encoded = Buffer.from(script).toString('base64');
      const { response } = await occi.create('/compute/', {
        kind: COMPUTE,
        mixins: ['http://schemas.openstack.org/compute/instance#user_data'],
        attributes: { 'org.openstack.compute.user_data': encoded },
      });
      expect(response.status, describeResponse(response)).toBe(201);
      const sent = stack.sent
        .filter((c) => c.method === 'POST' && c.path === '/compute/v2.0/servers')
        .at(-1)!;
      const server = (sent.body as { server: { user_data: string } }).server;
      expect(decodeBase64(server.user_data)).toBe(script);
    });

    it('retrieves a compute: kind, mixins, state, cores, memory, hostname and links', async () => {
      const location = await createServer('retrieved', 'Fedora Workstation', 19);
      await stack.settle();
      const serverId = idOf(location);
      // Give it a NIC on a private network straight on the backend: links come from its attachments.
      const token = stack.alice.token;
      const network = await cyclades<{ network: { id: string } }>(
        stack,
        token,
        'POST',
        '/network/v2.0/networks',
        {
          network: { type: 'MAC_FILTERED', name: 'e2e-private' },
        },
      );
      await cyclades(stack, token, 'POST', '/network/v2.0/subnets', {
        subnet: { network_id: network.network.id, cidr: '10.9.0.0/24', ip_version: 4 },
      });
      const port = await cyclades<{ port: { id: string; mac_address: string } }>(
        stack,
        token,
        'POST',
        '/network/v2.0/ports',
        { port: { network_id: network.network.id, device_id: serverId } },
      );
      await stack.settle();

      const { result, calls } = await stack.callsDuring(() => occi.get(location));
      expect(result.response.status).toBe(200);
      expect(operationCalls(calls)).toEqual([`GET /servers/${serverId}`]);
      const e = result.entity!;
      const flavor = flavors.find((f) => f.id === 19)!;
      expect(e.kind).toBe(COMPUTE);
      expect(e.mixins).toEqual(
        expect.arrayContaining([OS_SCHEME + image('Fedora Workstation'), `${RESOURCE_SCHEME}19`]),
      );
      expect(e.attributes).toMatchObject({
        'occi.core.id': serverId,
        'occi.core.title': 'retrieved',
        'occi.compute.hostname': 'retrieved',
        'occi.compute.state': 'active',
        'occi.compute.cores': flavor.vcpus,
        'occi.compute.memory': flavor.ram / 1024,
      });
      expect(e.attributes['occi.compute.state.message']).toBeUndefined();
      expect(e.actions.sort()).toEqual([RESTART, STOP].sort());

      const nic = e.links.find((l) => l.kind === `${INFRA}networkinterface`);
      expect(nic).toMatchObject({
        target: `/network/${network.network.id}`,
        targetKind: `${INFRA}network`,
        id: port.port.id,
        mixins: ['http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface'],
      });
      expect(nic!.attributes).toMatchObject({
        'occi.networkinterface.interface': 'eth0',
        'occi.networkinterface.address': '10.9.0.2',
        'occi.networkinterface.mac': port.port.mac_address,
        'occi.networkinterface.state': 'active',
      });
      const volumes = serverOf(stack, location)!.volumes;
      expect(volumes.length).toBeGreaterThan(0);
      const disks = e.links.filter((l) => l.kind === `${INFRA}storagelink`);
      expect(disks.map((l) => l.target).sort()).toEqual(volumes.map((v) => `/storage/${v}`).sort());
      expect(disks.every((l) => l.targetKind === `${INFRA}storage`)).toBe(true);
      if (name === JSON_RENDERING)
        expect(validateOcciJson('resource', JSON.parse(result.response.body))).toEqual([]);

      // Clean up the network once the server (and with it the port) is gone.
      await occi.delete(location);
      await stack.settle();
      await cyclades(stack, token, 'DELETE', `/network/v2.0/networks/${network.network.id}`);
    });

    it('stops, starts and restarts: one action call each (after a GET: is it settled?), graceful → SOFT, cold → HARD', async () => {
      const location = await createServer('lifecycle');
      await stack.settle();
      const id = idOf(location);
      const act = async (actionId: string, attributes: Record<string, string> = {}) => {
        const { result, calls } = await stack.callsDuring(() => occi.action(location, actionId, attributes));
        expect(result.status, describeResponse(result)).toBe(200);
        expect(operationCalls(calls)).toEqual([`GET /servers/${id}`, `POST /servers/${id}/action`]);
        const sent = stack.sent.at(-1)!;
        expect(sent.status).toBe(202);
        await stack.settle();
        return sent.body;
      };

      expect(await act(STOP)).toEqual({ shutdown: {} });
      let e = await getEntity(location);
      expect(e.attributes['occi.compute.state']).toBe('inactive');
      expect(e.attributes['occi.compute.state.message']).toBeUndefined(); // simply stopped
      expect(e.actions).toEqual([START]);
      expect(serverOf(stack, location)!.status).toBe('STOPPED');

      expect(await act(START)).toEqual({ start: {} });
      e = await getEntity(location);
      expect(e.attributes['occi.compute.state']).toBe('active');
      expect(serverOf(stack, location)!.status).toBe('ACTIVE');

      expect(await act(RESTART, { method: 'graceful' })).toEqual({ reboot: { type: 'SOFT' } });
      expect(await act(RESTART, { method: 'warm' })).toEqual({ reboot: { type: 'SOFT' } });
      expect(await act(RESTART, { method: 'cold' })).toEqual({ reboot: { type: 'HARD' } });
      expect(await act(RESTART)).toEqual({ reboot: { type: 'SOFT' } });
      expect((await getEntity(location)).attributes['occi.compute.state']).toBe('active');
    });

    it('renames with a partial update (occi.core.title)', async () => {
      const location = await createServer('old-name');
      await stack.settle();
      const id = idOf(location);
      const { result, calls } = await stack.callsDuring(() =>
        occi.update(location, partial({ attributes: { 'occi.core.title': 'new-name' } })),
      );
      expect(result.status, describeResponse(result)).toBe(200);
      expect(operationCalls(calls)).toEqual([
        `GET /servers/${id}`,
        `PUT /servers/${id}`,
        `GET /servers/${id}`,
      ]);
      expect(stack.sent.find((c) => c.method === 'PUT' && c.path.endsWith(`/servers/${id}`))!.body).toEqual({
        server: { name: 'new-name' },
      });
      expect(serverOf(stack, location)!.name).toBe('new-name');
      const e = await getEntity(location);
      expect(e.attributes['occi.core.title']).toBe('new-name');
      expect(e.attributes['occi.compute.hostname']).toBe('new-name');
    });

    it('resizes by swapping the resource_tpl: stops the active server, resizes, starts it again', async () => {
      const location = await createServer('to-resize', 'Debian Base', 1);
      await stack.settle();
      const id = idOf(location);
      const sentBefore = stack.sent.length;
      const { result, calls } = await stack.callsDuring(() =>
        occi.update(location, partial({ mixins: [`${RESOURCE_SCHEME}4`] })),
      );
      expect(result.status, describeResponse(result)).toBe(200);
      const actions = stack.sent
        .slice(sentBefore)
        .filter((c) => c.path.endsWith('/action'))
        .map((c) => c.body);
      expect(actions).toEqual([{ shutdown: {} }, { resize: { flavorRef: '4' } }, { start: {} }]);
      const list = operationCalls(calls);
      expect(list[0]).toBe(`GET /servers/${id}`);
      expect(list.filter((c) => c === `POST /servers/${id}/action`)).toHaveLength(3);
      expect(list.every((c) => c === `GET /servers/${id}` || c === `POST /servers/${id}/action`)).toBe(true);

      await stack.settle();
      const e = await getEntity(location);
      expect(e.mixins).toContain(`${RESOURCE_SCHEME}4`);
      expect(e.mixins).not.toContain(`${RESOURCE_SCHEME}1`);
      expect(e.attributes['occi.compute.memory']).toBe(2);
      expect(e.attributes['occi.compute.state']).toBe('active');
      expect(serverOf(stack, location)).toMatchObject({ status: 'ACTIVE', flavor: { id: 4 } });
    });

    it('resizes a stopped server without starting it', async () => {
      const location = await createServer('stopped-resize', 'Debian Base', 1);
      await stack.settle();
      await occi.action(location, STOP);
      await stack.settle();
      const sentBefore = stack.sent.length;
      const response = await occi.update(location, partial({ mixins: [`${RESOURCE_SCHEME}4`] }));
      expect(response.status, describeResponse(response)).toBe(200);
      const actions = stack.sent
        .slice(sentBefore)
        .filter((c) => c.path.endsWith('/action'))
        .map((c) => c.body);
      expect(actions).toEqual([{ resize: { flavorRef: '4' } }]);
      await stack.settle();
      expect(serverOf(stack, location)).toMatchObject({ status: 'STOPPED', flavor: { id: 4 } });
    });

    it('fully updates (PUT): renames and resizes in one request', async () => {
      const location = await createServer('before-put', 'Debian Base', 4);
      await stack.settle();
      const response = await occi.replace(location, {
        kind: COMPUTE,
        mixins: [OS_SCHEME + image('Debian Base'), `${RESOURCE_SCHEME}19`],
        attributes: { 'occi.core.title': 'after-put' },
      });
      expect(response.status, describeResponse(response)).toBe(200);
      await stack.settle();
      expect(serverOf(stack, location)).toMatchObject({
        name: 'after-put',
        status: 'ACTIVE',
        flavor: { id: 19 },
      });
      const e = await getEntity(location);
      expect(e.attributes).toMatchObject({
        'occi.core.title': 'after-put',
        'occi.compute.cores': 2,
        'occi.compute.memory': 4,
        'occi.compute.state': 'active',
      });
      expect(e.mixins).toContain(`${RESOURCE_SCHEME}19`);
    });

    it('deletes with GET /ports (floating IPs to release) and DELETE /servers/{id}; the compute is gone', async () => {
      const location = await createServer('doomed');
      await stack.settle();
      const { result, calls } = await stack.callsDuring(() => occi.delete(location));
      expect(result.status, describeResponse(result)).toBe(200);
      expect(operationCalls(calls)).toEqual([
        `GET /servers/${idOf(location)}`,
        'GET /network/v2.0/ports',
        `DELETE /servers/${idOf(location)}`,
      ]);
      await stack.settle();
      expect(serverOf(stack, location)).toBeUndefined();
      expect((await occi.get(location)).response.status).toBe(404);
      expect((await occi.list('/compute/')).locations).not.toContain(location);
      // Deleting it again: it is not there (404, as GET says), not Cyclades' 400.
      const again = await occi.delete(location);
      expect(again.status).toBe(404);
      expect(occi.error(again)).toContain('has been deleted');
    });

    it('answers suspend and save with 501 and a clear message, without calling Cyclades', async () => {
      const location = await createServer('not-suspendable');
      await stack.settle();
      for (const [term, words] of [
        ['suspend', /cannot suspend/],
        ['save', /cannot save/],
      ] as const) {
        const { result, calls } = await stack.callsDuring(() => occi.action(location, ACTION + term));
        expect(result.status).toBe(501);
        expect(occi.error(result)).toMatch(words);
        expect(operationCalls(calls)).toEqual([]);
      }
      expect(serverOf(stack, location)!.status).toBe('ACTIVE');
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('collections filtered', () => {
    it('by Category and by X-OCCI-Attribute, with one backend listing', async () => {
      const alpha = await createServer('alpha', 'Debian Base', 1);
      const beta = await createServer('beta', 'Ubuntu Server LTS', 4);
      const gamma = await createServer('gamma', 'Debian Base', 4);
      await stack.settle();
      const debian = OS_SCHEME + image('Debian Base');
      const list = async (filter: Parameters<E2eClient['list']>[1]) => {
        const { result, calls } = await stack.callsDuring(() => occi.list('/compute/', filter));
        expect(result.response.status, describeResponse(result.response)).toBe(200);
        expect(operationCalls(calls)).toEqual(['GET /servers/detail']);
        return result.locations.sort();
      };

      expect(await list({ categories: [ref(COMPUTE, 'kind')] })).toEqual([alpha, beta, gamma].sort());
      expect(await list({ categories: [ref(debian, 'mixin')] })).toEqual([alpha, gamma].sort());
      expect(await list({ categories: [ref(debian)] })).toEqual([alpha, gamma].sort()); // class left out
      expect(await list({ categories: [ref(`${RESOURCE_SCHEME}4`, 'mixin')] })).toEqual([beta, gamma].sort());
      expect(await list({ attributes: { 'occi.core.title': 'beta' } })).toEqual([beta]);
      expect(await list({ attributes: { 'occi.compute.memory': 2 } })).toEqual([beta, gamma].sort());
      expect(await list({ categories: [ref(debian)], attributes: { 'occi.core.title': 'gamma' } })).toEqual([
        gamma,
      ]);
      expect(await list({ attributes: { 'occi.core.title': 'nobody' } })).toEqual([]);
    });

    // Regression, fixed (was: mappings/cyclades/compute.yaml, list rule): its result has no "actions", so every
    // listed compute offers every compute action (start on an ACTIVE server, suspend and save
    // that always answer 501), while GET of the same compute offers only stop and restart.
    (name === JSON_RENDERING ? it : it.skip)(
      'renders the same applicable actions in a collection as GET does (JSON only)',
      async () => {
        const location = await createServer('actions');
        await stack.settle();
        const single = await getEntity(location);
        const { response } = await occi.list('/compute/');
        const listed = (
          JSON.parse(response.body) as { resources: { id: string; actions?: string[] }[] }
        ).resources.find((r) => r.id === idOf(location))!;
        expect((listed.actions ?? []).sort()).toEqual(single.actions.sort());
      },
    );
  });

  // -------------------------------------------------------------------------------------------
  describe('semantics: authentication, ownership and backend faults', () => {
    it('asks for a token with a Keystone challenge; refuses a bad one', async () => {
      const challenge = `Keystone uri='${stack.sim.url}/identity'`;
      for (const path of ['/compute/', '/compute/101', '/']) {
        const none = await occi.get(path, { token: null });
        expect(none.response.status).toBe(401);
        expect(none.response.headers.get('www-authenticate')).toBe(challenge);
        expect(occi.error(none.response)).toMatch(/token/i);
      }
      const created = await occi.create('/compute/', { kind: COMPUTE }, { token: null });
      expect(created.response.status).toBe(401);
      expect(serversOf(stack, stack.alice.userId)).toEqual([]);

      const bad = await occi.list('/compute/', {}, { token: 'e2e-not-a-token' });
      expect(bad.response.status).toBe(401);
      expect(bad.response.headers.get('www-authenticate')).toBe(challenge);
    });

    it("answers 404 for another user's compute, and never touches it", async () => {
      const location = await createServer('alices');
      await stack.settle();
      expect((await bob.get(location)).response.status).toBe(404);
      expect((await bob.action(location, STOP)).status).toBe(404);
      expect(
        (await bob.update(location, partial({ attributes: { 'occi.core.title': 'bobs' } }))).status,
      ).toBe(404);
      expect((await bob.delete(location)).status).toBe(404);
      expect((await bob.list('/compute/')).locations).toEqual([]);
      await stack.settle();
      expect(serverOf(stack, location)).toMatchObject({ name: 'alices', status: 'ACTIVE' });
    });

    it("passes Cyclades' refusal through: start on an ACTIVE server is its 400 and message", async () => {
      const location = await createServer('running');
      await stack.settle();
      const response = await occi.action(location, START);
      expect(response.status).toBe(400);
      expect(occi.error(response)).toBe("Cannot perform 'START' action while server is in 'STARTED' state.");
      expect((await occi.get('/compute/999999')).response.status).toBe(404);
    });

    it('maps backend failures: dropped connection → 502, 500 → 502 without its text, 503 → 503', async () => {
      const location = await createServer('faulty');
      await stack.settle();
      const path = `/servers/${idOf(location)}`;

      stack.sim.injectFault({ method: 'GET', path, status: 200, drop: true });
      const dropped = await occi.get(location);
      expect(dropped.response.status).toBe(502);

      stack.sim.injectFault({
        method: 'GET',
        path,
        status: 500,
        body: { computeFault: { code: 500, message: 'e2e internal detail', details: '' } },
      });
      const failed = await occi.get(location);
      expect(failed.response.status).toBe(502);
      expect(failed.response.body).not.toContain('e2e internal detail');

      stack.sim.injectFault({ method: 'GET', path, status: 503 });
      expect((await occi.get(location)).response.status).toBe(503);

      // And once the backend answers again, so does snf-occi.
      expect((await occi.get(location)).response.status).toBe(200);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('backend calls per operation', () => {
    it('GET /compute/{id} costs exactly one backend call (GET /servers/{id})', async () => {
      const location = await createServer('one-call');
      await stack.settle();
      // The first call of a session may check the token and list templates (cached afterwards).
      const cold = await stack.callsDuring(() => occi.get(location));
      expect(operationCalls(cold.calls)).toEqual([`GET /servers/${idOf(location)}`]);
      const warm = await stack.callsDuring(() => occi.get(location));
      expect(warm.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
        `GET /compute/v2.0/servers/${idOf(location)}`,
      ]);
    });
  });

  // -------------------------------------------------------------------------------------------
  // Job durations long enough to see BUILD, REBOOT and RESIZE; one server goes through them in
  // turn (the tests below run in order and share it).
  // The simulator holds each job until the test releases it, so every in-between state is looked
  // at for as long as needed, whatever the machine's load (no race against a job's duration).
  describe('state mapping, with jobs held at each in-between state', () => {
    let slow: E2eStack;
    let client: E2eClient;
    let shared: string;

    const stateOf = (e: EntityView | undefined) =>
      `${e?.attributes['occi.compute.state']}|${e?.attributes['occi.compute.state.message'] ?? ''}`;
    const stateAt = async (location: string) => stateOf((await client.get(location)).entity);

    /** Polls GET until the state is reached; the distinct state|message pairs seen on the way. */
    const waitForState = async (location: string, state: string, timeoutMs = 15_000) => {
      const seen: string[] = [];
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { entity } = await client.get(location);
        if (seen.at(-1) !== stateOf(entity)) seen.push(stateOf(entity));
        if (entity?.attributes['occi.compute.state'] === state) return seen;
        if (Date.now() > deadline) throw new Error(`${location} never became ${state}: ${seen.join(' → ')}`);
        await sleep(25);
      }
    };

    /** Waits (polling, with a generous deadline) until the condition holds. */
    const until = async (condition: () => boolean) => {
      const deadline = Date.now() + 15_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error('condition never held');
        await sleep(10);
      }
    };

    /** Waits until snf-occi has asked for a job of this kind (it is then held in the simulator). */
    const jobAsked = async (kind: DelayKind) => {
      const deadline = Date.now() + 15_000;
      while (!slow.sim.heldJobs().includes(kind)) {
        if (Date.now() > deadline) throw new Error(`no ${kind} job asked for; held: ${slow.sim.heldJobs()}`);
        await sleep(10);
      }
    };

    const create = async (title: string) => {
      const { response, location, entity } = await client.create(
        '/compute/',
        { kind: COMPUTE, mixins: [`${RESOURCE_SCHEME}1`], attributes: { 'occi.core.title': title } },
        { representation: true },
      );
      expect(response.status, describeResponse(response)).toBe(200);
      return { location: location!, entity: entity! };
    };

    beforeAll(async () => {
      // Backend timeouts short enough for the 504 below, long enough for a loaded machine.
      slow = await startE2eStack({ backend: { headersTimeoutMs: 2000, bodyTimeoutMs: 2000 } });
      client = e2eClient(name, () => slow.url, slow.alice.token);
    });

    afterEach(() => {
      slow.sim.holdJobs([]);
      slow.sim.releaseJobs();
    });

    afterAll(async () => {
      await slow?.close();
    });

    it('BUILD is inactive with a message; an action meanwhile waits for the build, then is done', async () => {
      slow.sim.holdJobs(['build']);
      const { location, entity } = await create('lifecycle');
      shared = location;
      expect(stateOf(entity)).toBe('inactive|the server is being built');
      expect(await stateAt(location)).toBe('inactive|the server is being built');
      // A client that does not wait stops the server at once: Cyclades would refuse (409 while it
      // builds); snf-occi waits (bounded, as the rules declare) for the build, then stops it.
      const mark = slow.sim.requestLog.length;
      const stopping = client.action(location, STOP);
      const server = `/servers/${idOf(location)}`;
      // The stop has looked at the building server (and waits): only now may the build end.
      await until(() =>
        slow.sim.requestLog.slice(mark).some((r) => r.method === 'GET' && r.path.endsWith(server)),
      );
      slow.sim.releaseJobs('build');
      const stop = await stopping;
      expect(stop.status, describeResponse(stop)).toBe(200);
      const stopped = await waitForState(location, 'inactive');
      expect(stopped.at(-1)).toBe('inactive|');
      expect((await client.action(location, START)).status).toBe(200);
      expect((await waitForState(location, 'active')).at(-1)).toBe('active|');
      expect(slow.sim.snapshot().users[slow.alice.userId]!.servers[0]).toMatchObject({ status: 'ACTIVE' });
    });

    it('REBOOT is inactive with a message until the reboot completes', async () => {
      slow.sim.holdJobs(['reboot']);
      expect((await client.action(shared, RESTART)).status).toBe(200);
      expect(await stateAt(shared)).toBe('inactive|the server is rebooting');
      slow.sim.releaseJobs('reboot');
      expect((await waitForState(shared, 'active')).at(-1)).toBe('active|');
    });

    it('RESIZE: stopped, then inactive with a message while snf-occi waits for the resize, then started', async () => {
      slow.sim.holdJobs(['stop', 'resize', 'start']);
      const resize = client.update(shared, partial({ mixins: [`${RESOURCE_SCHEME}4`] }));
      await jobAsked('stop');
      expect(await stateAt(shared)).toBe('active|');
      slow.sim.releaseJobs('stop');
      await jobAsked('resize');
      expect(await stateAt(shared)).toBe('inactive|the server is being resized');
      slow.sim.releaseJobs('resize');
      await jobAsked('start');
      expect(await stateAt(shared)).toBe('inactive|');
      slow.sim.releaseJobs('start');
      expect((await resize).status).toBe(200);
      await waitForState(shared, 'active');
      expect((await client.get(shared)).entity!.mixins).toContain(`${RESOURCE_SCHEME}4`);
    });

    it('ERROR is error, with a message', async () => {
      slow.sim.failBuilds(1);
      const { location } = await create('failing');
      await slow.settle();
      const { entity } = await client.get(location);
      expect(stateOf(entity)).toBe('error|the server failed in the backend');
      expect(entity!.actions).toEqual([]);
      expect((await client.delete(location)).status).toBe(200);
    });

    it('answers 504 when the backend answers later than the client timeout', async () => {
      slow.sim.injectFault({ method: 'GET', path: `/servers/${idOf(shared)}`, status: 200, delayMs: 6000 });
      const { response } = await client.get(shared);
      expect(response.status).toBe(504);
      expect(client.error(response)).toMatch(/in time/);
      expect((await client.get(shared)).response.status).toBe(200);
    });

    it('answers 502 when the backend is gone', async () => {
      await slow.sim.close();
      expect((await client.get(shared)).response.status).toBe(502); // known token: straight to compute
      const stranger = e2eClient(name, () => slow.url, BOB_TOKEN); // unknown token: the identity call fails
      expect((await stranger.get(shared)).response.status).toBe(502);
    });

    it('never writes a token to its log', () => {
      for (const lines of [slow.logLines, stack.logLines]) {
        const log = lines.join('\n');
        expect(lines.length).toBeGreaterThan(0);
        for (const secret of [stack.alice.token, stack.bob.token, 'e2e-not-a-token'])
          expect(log).not.toContain(secret);
      }
    });
  });
});
