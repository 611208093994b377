// Explain equals serving, for every operation of docs/operations.md, against the Cyclades
// simulator: each request is served by the real server and engine (shipped rules, the simulator
// in-process with jobs completing at once) and explained with the same rule set (explain is
// given the request as a client sends it, template mixins named by their Category); the calls the
// simulator received must be explain's calls, by the matching of test/support/explain-matching.ts:
//
// - served calls are the simulator's request log for the request (identity checks left out: they
//   are shared by every request and cached, docs/operations.md); the template listings are made
//   by the first request (the query interface case, which explain does show them for) and cached
//   for 300 s, so later requests make only their own calls;
// - in order, each explained call as often as its `pending` allows (`when`: at most once,
//   `until`: once or more, `forEach`: any number of times), every unconditional one made;
// - the template listings of the query interface and the list rules of a collection holding
//   several kinds run concurrently: there each rule's calls keep their order, rules interleave;
// - a request that fails midway matches a prefix; explain's predicted error must be the status.
//
// Each case also checks that it took the branch it is about (e.g. a floating IP allocated, or a
// free one reused), so that a conditional call is really exercised, not just allowed.
//
// Cases where explain and serving disagree are bugs; they are named KNOWN DISAGREEMENT and check
// that serving answers as it should and that the two still disagree, so that the suite fails when
// one is fixed (then it becomes a plain case); SHOW_DISAGREEMENTS=1 checks them as plain cases,
// to print where explain and serving part.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MappingEngine } from '../../src/engine/engine.js';
import type { Explanation, ExplainedCall } from '../../src/engine/explain.js';
import type { RuleSet } from '../../src/mapping/load-rules.js';
import { createLog } from '../../src/server/log.js';
import { explain } from '../../src/server/explain.js';
import { type RunningOcciServer, startOcciServer } from '../../src/server/occi-server.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { http, loadOk, MAPPINGS } from '../engine/harness.js';
import { mismatch, type ServedCall, servedCall } from '../support/explain-matching.js';

const TOKEN = 'explain-serving-token';
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const OS = 'http://schemas.openstack.org/template/os#';
const RESOURCE = 'http://schemas.openstack.org/template/resource#';
const ACTIONS = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';
const PUBLIC = '/network/1';
/** C1R1024D20drbd, C1R2048D20drbd, C1R1024D20ext_archipelago (detachable volumes). */
const FLAVOR = '1';
const BIGGER = '4';
const DETACHABLE = '49';
const USER_SCHEME = 'http://example.com/occi/my#';

const kind = (term: string) => `Category: ${term}; scheme="${INFRA}"; class="kind"`;
const mixin = (term: string, scheme: string) => `Category: ${term}; scheme="${scheme}"; class="mixin"`;
const action = (term: string, scheme = ACTIONS) => `Category: ${term}; scheme="${scheme}"; class="action"`;
const attr = (name: string, value: string | number) =>
  `X-OCCI-Attribute: ${name}=${typeof value === 'string' ? `"${value}"` : value}`;
const link = (target: string, targetKind: string, linkKind: string) =>
  `Link: <${target}>; rel="${INFRA}${targetKind}"; category="${INFRA}${linkKind}"`;

interface Req {
  method: string;
  path: string;
  lines?: string[];
}

interface Outcome {
  status: number;
  body: string;
  location?: string;
  served: ServedCall[];
  explanation: Explanation;
}

let sim: RunningSimulator;
let server: RunningOcciServer;
let engine: MappingEngine;
let ruleSet: RuleSet;
let stateDir: string;
let userId: string;
const bases = new Map<string, string>();
let debianImage = '';

/** Direct calls to the simulator's Cyclades API (set-up only), as the test's user. */
async function cyclades(
  service: 'compute' | 'network' | 'volume',
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await fetch(`${sim.url}${bases.get(service)}${path}`, {
    method,
    headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, Record<string, unknown>>) : {};
}

const backend = () => sim.snapshot().users[userId]!;

/** The group of each explained call, where the engine sends several rules' calls at once. */
function concurrency(x: Explanation): ((c: ExplainedCall) => string) | undefined {
  if (x.servedBy === 'query interface') return (c) => c.step;
  if (!x.operation?.startsWith('list of') || x.rules.length < 2) return undefined;
  const rules = x.rules.map((r) => {
    const [file, line] = r.at.split(':');
    return { at: r.at, file, line: Number(line) };
  });
  return (c) => {
    const [file, line] = c.at.split(':');
    const inFile = rules.filter((r) => r.file === file && r.line <= Number(line));
    return inFile.sort((a, b) => b.line - a.line)[0]?.at ?? c.at;
  };
}

/** Serves the request, then explains it; the served calls are what the simulator received meanwhile. */
async function serve(req: Req): Promise<Outcome> {
  await sim.settle();
  await fetch(`${sim.url}/_simulator/requests`, { method: 'DELETE' });
  // GET carries no body: its Category filter goes in headers (text/occi), as clients send it.
  const inHeaders = req.method === 'GET';
  const body = inHeaders ? '' : (req.lines ?? []).map((l) => `${l}\n`).join('');
  const headers: Record<string, string[]> = {
    'x-auth-token': [TOKEN],
    accept: ['text/plain'],
    'content-type': [inHeaders ? 'text/occi' : 'text/plain'],
  };
  for (const line of inHeaders ? (req.lines ?? []) : []) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    headers[name] = [...(headers[name] ?? []), line.slice(colon + 1).trim()];
  }
  const res = await http(server.url, req.method, req.path, {
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.join(', ')])),
    ...(body ? { body } : {}),
  });
  const served = sim.requestLog
    .filter((r) => !r.path.startsWith('/_simulator') && !r.path.startsWith(bases.get('identity')!))
    .map((r) => servedCall(r.method, r.path, bases));
  const explanation = await explain(ruleSet, { method: req.method, path: req.path, headers, body });
  const location = res.headers.get('location') ?? undefined;
  return {
    status: res.status,
    body: res.body,
    served,
    explanation,
    ...(location ? { location: location.startsWith('/') ? location : new URL(location).pathname } : {}),
  };
}

/** Where explain and serving part, if they do (see the header); undefined when they agree. */
function disagreement(out: Outcome): string | undefined {
  const x = out.explanation;
  if (x.error && out.status !== x.error.status)
    return `explain predicts ${x.error.status} (${x.error.message}), serving answered ${out.status}`;
  const groupOf = concurrency(x);
  return mismatch(x.calls, out.served, { prefix: out.status >= 400, ...(groupOf ? { groupOf } : {}) });
}

const context = (req: Req, out: Outcome) =>
  `${req.method} ${req.path}: served ${out.status} ${out.body.slice(0, 300)}`;

/** Serves and explains a request, and checks that they agree; `status`: what serving must answer. */
async function same(req: Req, status: number): Promise<Outcome> {
  const out = await serve(req);
  expect(out.status, context(req, out)).toBe(status);
  expect(disagreement(out), context(req, out)).toBeUndefined();
  return out;
}

/**
 * A case where explain and serving are known to disagree (a bug, reported): serving must answer
 * `status`, and they must still disagree — when they agree, the case fails, to be made a plain
 * one. With SHOW_DISAGREEMENTS=1, it is checked as a plain case, to print where they part.
 */
async function knownDisagreement(req: Req, status: number): Promise<Outcome> {
  const out = await serve(req);
  expect(out.status, context(req, out)).toBe(status);
  const found = disagreement(out);
  if (process.env.SHOW_DISAGREEMENTS) expect(found, context(req, out)).toBeUndefined();
  else expect(found, `${context(req, out)}: they now agree; make this a plain case`).toBeDefined();
  return out;
}

const servedOne = (out: Outcome, method: string, service: string, path: RegExp) =>
  out.served.filter((c) => c.method === method && c.service === service && path.test(c.path)).length;

const idOf = (location: string | undefined) => {
  expect(location).toBeDefined();
  return location!.split('/').pop()!;
};

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    delayMs: 0,
    tokens: [TOKEN],
    quotas: {
      'cyclades.vm': 100,
      'cyclades.cpu': 400,
      'cyclades.total_cpu': 400,
      'cyclades.floating_ip': 50,
    },
  });
  userId = sim.users[0]!.userId;
  ruleSet = await loadOk(MAPPINGS);
  stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-explain-serving-'));
  const log = createLog({ level: 'warn', write: () => {} });
  engine = new MappingEngine({ identityUrl: sim.identityUrl, log });
  server = await startOcciServer({ port: 0, ruleSet, stateDir, service: engine, log });
  // Where each service is for this user, as the engine resolves it (an identity check, cached).
  const session = await engine.sessions.resolve(ruleSet.mapping, TOKEN);
  for (const name of ruleSet.mapping.services.keys())
    bases.set(name, new URL(engine.sessions.serviceUrl(ruleSet.mapping, session, name)).pathname);
  bases.set('identity', new URL(sim.identityUrl).pathname);
  const images = await cyclades('compute', 'GET', '/images/detail');
  debianImage = String(
    (images.images as unknown as { id: string; name: string }[]).find((i) => i.name === 'Debian Base')!.id,
  );
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  await sim?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** Ids made along the way, for the cases that follow. */
const made: Record<string, string> = {};

describe('explain equals serving (docs/operations.md, against the simulator)', () => {
  // --- the query interface -------------------------------------------------------------------

  it('GET /-/, the first request of a user: the two template listings', async () => {
    const out = await same({ method: 'GET', path: '/-/' }, 200);
    expect(out.served.map((c) => c.path).sort()).toEqual(['/flavors/detail', '/images/detail']);
  });

  it('POST /-/ (a user mixin): no backend call', async () => {
    const out = await same(
      {
        method: 'POST',
        path: '/-/',
        lines: [`Category: web; scheme="${USER_SCHEME}"; class="mixin"; location="/web/"`],
      },
      200,
    );
    expect(out.served).toEqual([]);
  });

  // --- collections with no member yet ---------------------------------------------------------

  // (Explain used to promise the member calls unconditionally; they are now per member.)
  it('DELETE /compute/ with no compute: the listing, and no member call', async () => {
    await same({ method: 'DELETE', path: '/compute/' }, 200);
  });

  it('an action on an empty collection: the listing, and no member call', async () => {
    await same({ method: 'POST', path: '/compute/?action=stop', lines: [action('stop')] }, 200);
  });

  // --- compute --------------------------------------------------------------------------------

  it('create from templates: one POST /servers', async () => {
    const out = await same(
      {
        method: 'POST',
        path: '/compute/',
        lines: [
          kind('compute'),
          mixin(debianImage, OS),
          mixin(FLAVOR, RESOURCE),
          attr('occi.core.title', 'one'),
        ],
      },
      201,
    );
    made.c1 = idOf(out.location);
  });

  it('an action on a collection of one compute: the listing, then the action call', async () => {
    const out = await same({ method: 'POST', path: '/compute/?action=stop', lines: [action('stop')] }, 200);
    expect(servedOne(out, 'POST', 'compute', /^\/servers\/\d+\/action$/)).toBe(1);
  });

  it('start (a stopped compute)', async () => {
    await same({ method: 'POST', path: `/compute/${made.c1}?action=start`, lines: [action('start')] }, 200);
  });

  it('create from the kind alone with cores: one POST /servers (image and flavor from the templates)', async () => {
    const out = await same(
      { method: 'POST', path: '/compute/', lines: [kind('compute'), attr('occi.compute.cores', 2)] },
      201,
    );
    made.c2 = idOf(out.location);
  });

  it('retrieve a compute', async () => {
    await same({ method: 'GET', path: `/compute/${made.c1}` }, 200);
  });

  it('all computes', async () => {
    await same({ method: 'GET', path: '/compute/' }, 200);
  });

  it('all computes, filtered by a template Category', async () => {
    await same({ method: 'GET', path: '/compute/', lines: [mixin(debianImage, OS)] }, 200);
  });

  it('all computes of an image, GET /mixin/os_tpl/<image>/: the compute list (the template explained by its location)', async () => {
    await same({ method: 'GET', path: `/mixin/os_tpl/${debianImage}/` }, 200);
  });

  it('rename: read, rename, read back', async () => {
    const out = await same(
      { method: 'POST', path: `/compute/${made.c1}`, lines: [attr('occi.core.title', 'renamed')] },
      200,
    );
    expect(servedOne(out, 'PUT', 'compute', /^\/servers\/\d+$/)).toBe(1);
  });

  it('resize a running compute: stop, wait, resize, wait, start, read back', async () => {
    const out = await same(
      { method: 'POST', path: `/compute/${made.c1}`, lines: [mixin(BIGGER, RESOURCE)] },
      200,
    );
    const actions = servedOne(out, 'POST', 'compute', /^\/servers\/\d+\/action$/);
    expect(actions).toBe(3);
  });

  it('full update (PUT) with a new title', async () => {
    const out = await same(
      {
        method: 'PUT',
        path: `/compute/${made.c1}`,
        lines: [
          kind('compute'),
          mixin(debianImage, OS),
          mixin(BIGGER, RESOURCE),
          attr('occi.core.title', 'replaced'),
        ],
      },
      200,
    );
    expect(servedOne(out, 'PUT', 'compute', /^\/servers\/\d+$/)).toBe(1);
  });

  it('stop, start, restart graceful, restart cold', async () => {
    const c = `/compute/${made.c2}`;
    await same({ method: 'POST', path: `${c}?action=stop`, lines: [action('stop')] }, 200);
    await same({ method: 'POST', path: `${c}?action=start`, lines: [action('start')] }, 200);
    await same({ method: 'POST', path: `${c}?action=restart`, lines: [action('restart')] }, 200);
    await same(
      {
        method: 'POST',
        path: `${c}?action=restart`,
        lines: [action('restart'), attr('method', 'cold')],
      },
      200,
    );
  });

  it('suspend and save: 501, no call', async () => {
    const c = `/compute/${made.c2}`;
    expect(
      (await same({ method: 'POST', path: `${c}?action=suspend`, lines: [action('suspend')] }, 501)).served,
    ).toEqual([]);
    expect(
      (await same({ method: 'POST', path: `${c}?action=save`, lines: [action('save')] }, 501)).served,
    ).toEqual([]);
  });

  it('delete a compute without floating IPs: read, ports, delete (no wait, no release)', async () => {
    const out = await same({ method: 'DELETE', path: `/compute/${made.c2}` }, 200);
    expect(out.served.map((c) => `${c.method} ${c.path}`)).toEqual([
      // A DELETED server is a 404 (Cyclades would refuse the DELETE with 400).
      `GET /servers/${made.c2}`,
      'GET /ports',
      `DELETE /servers/${made.c2}`,
    ]);
  });

  // --- networks and IP reservations ---------------------------------------------------------------

  it('create a network without the ipnetwork mixin: one POST /networks', async () => {
    const out = await same(
      { method: 'POST', path: '/network/', lines: [kind('network'), attr('occi.core.title', 'bare')] },
      201,
    );
    made.bareNet = idOf(out.location);
    expect(servedOne(out, 'POST', 'network', /^\/subnets$/)).toBe(0);
  });

  it('create a network with the ipnetwork mixin: the network, then its subnet', async () => {
    const out = await same(
      {
        method: 'POST',
        path: '/network/',
        lines: [
          kind('network'),
          mixin('ipnetwork', 'http://schemas.ogf.org/occi/infrastructure/network#'),
          attr('occi.core.title', 'private'),
          attr('occi.network.address', '10.1.0.0/24'),
        ],
      },
      201,
    );
    made.net = idOf(out.location);
    expect(servedOne(out, 'POST', 'network', /^\/subnets$/)).toBe(1);
  });

  it('retrieve a network with a subnet (one GET per subnet) and one without (none)', async () => {
    const withSubnet = await same({ method: 'GET', path: `/network/${made.net}` }, 200);
    expect(servedOne(withSubnet, 'GET', 'network', /^\/subnets\/\d+$/)).toBe(1);
    const without = await same({ method: 'GET', path: `/network/${made.bareNet}` }, 200);
    expect(servedOne(without, 'GET', 'network', /^\/subnets\//)).toBe(0);
  });

  it('list networks (networks and IP reservations, concurrently)', async () => {
    await same({ method: 'GET', path: '/network/' }, 200);
  });

  it('delete a network; up and down are 501', async () => {
    await same({ method: 'DELETE', path: `/network/${made.bareNet}` }, 200);
    const n = `/network/${made.net}`;
    const scheme = 'http://schemas.ogf.org/occi/infrastructure/network/action#';
    await same({ method: 'POST', path: `${n}?action=up`, lines: [action('up', scheme)] }, 501);
    await same({ method: 'POST', path: `${n}?action=down`, lines: [action('down', scheme)] }, 501);
  });

  it('IP reservations: reserve, list, retrieve, release', async () => {
    const out = await same({ method: 'POST', path: '/ipreservation/', lines: [kind('ipreservation')] }, 201);
    const id = idOf(out.location);
    await same({ method: 'GET', path: '/ipreservation/' }, 200);
    await same({ method: 'GET', path: `/ipreservation/${id}` }, 200);
    await same({ method: 'DELETE', path: `/ipreservation/${id}` }, 200);
  });

  // --- storage ------------------------------------------------------------------------------------

  it('storage: create (volume, then keep it), list, retrieve, snapshot, online (501)', async () => {
    const out = await same(
      {
        method: 'POST',
        path: '/storage/',
        lines: [kind('storage'), attr('occi.core.title', 'data'), attr('occi.storage.size', 1)],
      },
      201,
    );
    made.vol = idOf(out.location);
    expect(out.served.map((c) => c.method)).toEqual(['POST', 'PUT']);
    await same({ method: 'GET', path: '/storage/' }, 200);
    await same({ method: 'GET', path: `/storage/${made.vol}` }, 200);
    const scheme = 'http://schemas.ogf.org/occi/infrastructure/storage/action#';
    await same(
      { method: 'POST', path: `/storage/${made.vol}?action=snapshot`, lines: [action('snapshot', scheme)] },
      200,
    );
    await same(
      { method: 'POST', path: `/storage/${made.vol}?action=online`, lines: [action('online', scheme)] },
      501,
    );
  });

  // --- links ---------------------------------------------------------------------------------

  it('a compute on the detachable volume type, to link things to', async () => {
    const out = await same(
      {
        method: 'POST',
        path: '/compute/',
        lines: [
          kind('compute'),
          mixin(debianImage, OS),
          mixin(DETACHABLE, RESOURCE),
          attr('occi.core.title', 'linked'),
        ],
      },
      201,
    );
    made.c3 = idOf(out.location);
  });

  const interfaceTo = (target: string, extra: string[] = []) => ({
    method: 'POST',
    path: '/link/networkinterface/',
    lines: [
      kind('networkinterface'),
      attr('occi.core.source', `/compute/${made.c3}`),
      attr('occi.core.target', target),
      ...extra,
    ],
  });

  it('network interface to a private network: network, wait for the compute, port', async () => {
    const out = await same(interfaceTo(`/network/${made.net}`), 201);
    made.privatePort = idOf(out.location);
    expect(servedOne(out, 'GET', 'network', /^\/floatingips$/)).toBe(0);
  });

  it('network interface to the public network with no free floating IP: one is allocated', async () => {
    expect(backend().floatingIps.filter((f) => f.port_id === null)).toEqual([]);
    const out = await same(interfaceTo(PUBLIC), 201);
    made.autoPort = idOf(out.location);
    expect(servedOne(out, 'POST', 'network', /^\/floatingips$/)).toBe(1);
  });

  it('network interface to the public network with a free floating IP: it is reused', async () => {
    await cyclades('network', 'POST', '/floatingips', { floatingip: { floating_network_id: '1' } });
    const out = await same(interfaceTo(PUBLIC), 201);
    made.reusedPort = idOf(out.location);
    expect(servedOne(out, 'GET', 'network', /^\/floatingips$/)).toBe(1);
    expect(servedOne(out, 'POST', 'network', /^\/floatingips$/)).toBe(0);
  });

  it('network interface to an IP reservation', async () => {
    const fip = await cyclades('network', 'POST', '/floatingips', {
      floatingip: { floating_network_id: '1' },
    });
    const out = await same(interfaceTo(`/ipreservation/${fip.floatingip!.id}`), 201);
    made.reservationPort = idOf(out.location);
    expect(servedOne(out, 'POST', 'network', /^\/floatingips$/)).toBe(0);
  });

  it('network interface to the public network asking for the address of a free floating IP: it is reused', async () => {
    const fip = await cyclades('network', 'POST', '/floatingips', {
      floatingip: { floating_network_id: '1' },
    });
    const out = await same(
      interfaceTo(PUBLIC, [
        mixin('ipnetworkinterface', 'http://schemas.ogf.org/occi/infrastructure/networkinterface#'),
        attr('occi.networkinterface.address', String(fip.floatingip!.floating_ip_address)),
      ]),
      201,
    );
    expect(servedOne(out, 'POST', 'network', /^\/floatingips$/)).toBe(0);
    expect(servedOne(out, 'POST', 'network', /^\/ports$/)).toBe(1);
  });

  it('network interfaces: list and retrieve', async () => {
    await same({ method: 'GET', path: '/link/networkinterface/' }, 200);
    await same({ method: 'GET', path: `/link/networkinterface/${made.privatePort}` }, 200);
  });

  it('delete a network interface without an allocated floating IP: read, wait for its server, delete', async () => {
    const out = await same({ method: 'DELETE', path: `/link/networkinterface/${made.privatePort}` }, 200);
    // Cyclades disconnects one port at a time: the server is read until settled (here at once).
    expect(out.served.map((c) => `${c.method} {${c.service}}${c.path.replace(/\d+$/, '{id}')}`)).toEqual([
      'GET {network}/ports/{id}',
      'GET {compute}/servers/{id}',
      'DELETE {network}/ports/{id}',
    ]);
  });

  it('delete a network interface whose floating IP snf-occi allocated: wait for the port to go, release it', async () => {
    const out = await same({ method: 'DELETE', path: `/link/networkinterface/${made.autoPort}` }, 200);
    expect(servedOne(out, 'DELETE', 'network', /^\/floatingips\/\d+$/)).toBe(1);
  });

  it('storage link: create (wait for the compute, attach), list, retrieve, delete', async () => {
    const out = await same(
      {
        method: 'POST',
        path: '/link/storagelink/',
        lines: [
          kind('storagelink'),
          attr('occi.core.source', `/compute/${made.c3}`),
          attr('occi.core.target', `/storage/${made.vol}`),
        ],
      },
      201,
    );
    const id = idOf(out.location);
    await sim.settle();
    await same({ method: 'GET', path: '/link/storagelink/' }, 200);
    await same({ method: 'GET', path: `/link/storagelink/${id}` }, 200);
    await same({ method: 'DELETE', path: `/link/storagelink/${id}` }, 200);
  });

  // --- links inline in a compute create ---------------------------------------------------------

  it('compute create with an inline link to the public network, no free floating IP: one is allocated', async () => {
    expect(backend().floatingIps.filter((f) => f.port_id === null)).toEqual([]);
    const out = await same(
      {
        method: 'POST',
        path: '/compute/',
        lines: [kind('compute'), attr('occi.compute.cores', 1), link(PUBLIC, 'network', 'networkinterface')],
      },
      201,
    );
    made.withFip = idOf(out.location);
    expect(servedOne(out, 'POST', 'network', /^\/floatingips$/)).toBe(1);
    expect(servedOne(out, 'POST', 'network', /^\/ports$/)).toBe(1);
  });

  it('compute create with an inline link to the public network and a free floating IP: it is reused', async () => {
    await cyclades('network', 'POST', '/floatingips', { floatingip: { floating_network_id: '1' } });
    const out = await same(
      {
        method: 'POST',
        path: '/compute/',
        lines: [kind('compute'), attr('occi.compute.cores', 1), link(PUBLIC, 'network', 'networkinterface')],
      },
      201,
    );
    expect(servedOne(out, 'GET', 'network', /^\/floatingips$/)).toBe(1);
    expect(servedOne(out, 'POST', 'network', /^\/floatingips$/)).toBe(0);
  });

  it('compute create with inline links to a private network, the public network and a storage', async () => {
    const vol = await same(
      { method: 'POST', path: '/storage/', lines: [kind('storage'), attr('occi.storage.size', 1)] },
      201,
    );
    await sim.settle();
    const out = await same(
      {
        method: 'POST',
        path: '/compute/',
        lines: [
          kind('compute'),
          mixin(debianImage, OS),
          mixin(DETACHABLE, RESOURCE),
          link(`/network/${made.net}`, 'network', 'networkinterface'),
          link(PUBLIC, 'network', 'networkinterface'),
          link(vol.location!, 'storage', 'storagelink'),
        ],
      },
      201,
    );
    expect(servedOne(out, 'POST', 'network', /^\/ports$/)).toBe(2);
    expect(servedOne(out, 'POST', 'network', /^\/floatingips$/)).toBe(1);
    expect(servedOne(out, 'POST', 'compute', /^\/servers\/\d+\/os-volume_attachments$/)).toBe(1);
  });

  it('delete a compute with a floating IP snf-occi allocated: ports, delete, wait until gone, release', async () => {
    const out = await same({ method: 'DELETE', path: `/compute/${made.withFip}` }, 200);
    expect(servedOne(out, 'GET', 'compute', /^\/servers\/\d+$/)).toBeGreaterThanOrEqual(1);
    expect(servedOne(out, 'DELETE', 'network', /^\/floatingips\/\d+$/)).toBe(1);
  });

  // --- the name-space -------------------------------------------------------------------------

  it('GET /: every kind list, concurrently', async () => {
    await same({ method: 'GET', path: '/' }, 200);
  });

  it('GET /resource/: the resource kinds lists, concurrently', async () => {
    await same({ method: 'GET', path: '/resource/' }, 200);
  });

  it('GET /link/: the link kinds lists, concurrently', async () => {
    await same({ method: 'GET', path: '/link/' }, 200);
  });

  // --- user mixins (tags) -------------------------------------------------------------------------

  const tagged = (method: string) => ({
    method,
    path: '/web/',
    lines: [`X-OCCI-Location: /compute/${made.c1}`],
  });

  it("associate with a user mixin (POST /web/): explained as one of the caller's", async () => {
    await same(tagged('POST'), 200);
  });

  it('the members of a user mixin (GET /web/): the compute list', async () => {
    await same({ method: 'GET', path: '/web/' }, 200);
  });

  it('full update of a user mixin collection (PUT /web/): list, untag who is not listed, tag the rest', async () => {
    await same(tagged('PUT'), 200);
  });

  it('dissociate from a user mixin (DELETE /web/): untag', async () => {
    await same(tagged('DELETE'), 200);
  });

  it('DELETE /-/ of a user mixin with members: list the members and untag them', async () => {
    // A member, so that removing the mixin has something to untag.
    const tag = await serve(tagged('POST'));
    expect(tag.status).toBe(200);
    const out = await same(
      {
        method: 'DELETE',
        path: '/-/',
        lines: [`Category: web; scheme="${USER_SCHEME}"; class="mixin"`],
      },
      200,
    );
    expect(out.served.length).toBeGreaterThan(0);
  });

  // --- the end: every compute at once ------------------------------------------------------------

  it('KNOWN DISAGREEMENT: DELETE /compute/ with several computes: explain lists the member calls in one order, the engine runs four members at a time', async () => {
    // More members than the engine handles at once, so that some start after others finished.
    for (const name of ['extra-1', 'extra-2'])
      await cyclades('compute', 'POST', '/servers', {
        server: { name, imageRef: debianImage, flavorRef: 1 },
      });
    await sim.settle();
    const members = backend().servers.length;
    expect(members).toBeGreaterThan(4);
    const out = await knownDisagreement({ method: 'DELETE', path: '/compute/' }, 200);
    expect(servedOne(out, 'DELETE', 'compute', /^\/servers\/\d+$/)).toBe(members);
  });
});
