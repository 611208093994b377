// Networks (with the ipnetwork mixin over a subnet) and IP reservations (over floating IPs), end to
// end in every rendering: OCCI client → snf-occi with the shipped rules → Cyclades simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_NAMES } from '../support/occi-clients.js';
import { IPNETWORK, IPRESERVATION, locationOf, NETWORK, type Occi } from './occi.js';
import { type NetworkStack, occiFor, startNetworkStack } from './stack.js';

const UP = 'http://schemas.ogf.org/occi/infrastructure/network/action#up';
/** The mixin every network carries: what Synnefo tells of it (mappings/cyclades/synnefo.yaml). */
const SYNNEFO_NETWORK = 'http://schemas.synnefo.org/occi#network';
const DOWN = 'http://schemas.ogf.org/occi/infrastructure/network/action#down';

describe.each(CLIENT_NAMES)('networks and IP reservations over Cyclades, %s', (name) => {
  let stack: NetworkStack;
  let occi: Occi;

  beforeAll(async () => {
    stack = await startNetworkStack();
    occi = occiFor(name, stack);
  });
  afterAll(() => stack?.close());

  const calls = async (during: () => Promise<unknown>) => {
    const mark = stack.sim.requestLog.length;
    await during();
    return stack.sim.requestLog
      .slice(mark)
      .filter((r) => !r.path.startsWith('/identity/') && !/\/(images|flavors)\/detail$/.test(r.path))
      .map((r) => `${r.method} ${r.path} ${r.status}`);
  };

  it('creates a network with a subnet (ipnetwork), reads it, lists it with the public network, deletes it', async () => {
    let created: Awaited<ReturnType<Occi['create']>> | undefined;
    const made = await calls(async () => {
      created = await occi.represented((o) =>
        o.create('/network/', {
          kind: NETWORK,
          mixins: [IPNETWORK],
          attributes: {
            'occi.core.title': 'backend',
            'occi.network.address': '10.0.0.0/24',
            'occi.network.gateway': '10.0.0.254',
            'occi.network.allocation': 'static',
          },
        }),
      );
    });
    if (!created) throw new Error('no answer');
    expect(created.status, created.body).toBe(200);
    expect(made).toEqual(['POST /network/v2.0/networks 201', 'POST /network/v2.0/subnets 201']);
    const location = locationOf(created);
    expect(location).toMatch(/^\/network\/\d+$/);
    const id = location.split('/').pop()!;

    expect(stack.backend().networks.find((n) => n.id === id)).toMatchObject({
      type: 'MAC_FILTERED',
      name: 'backend',
      status: 'ACTIVE',
    });
    const subnet = stack.backend().subnets.find((s) => s.network_id === id);
    expect(subnet).toMatchObject({
      cidr: '10.0.0.0/24',
      gateway_ip: '10.0.0.254',
      ip_version: 4,
      enable_dhcp: false,
    });

    const expected = {
      'occi.core.id': id,
      'occi.core.title': 'backend',
      'occi.network.label': 'backend',
      'occi.network.state': 'active',
      'occi.network.address': '10.0.0.0/24',
      'occi.network.gateway': '10.0.0.254',
      'occi.network.allocation': 'static',
      'org.synnefo.network.public': false,
    };
    expect(occi.readEntity(created)).toMatchObject({
      kind: NETWORK,
      mixins: [IPNETWORK, SYNNEFO_NETWORK],
      attributes: expected,
    });
    let got: Awaited<ReturnType<Occi['get']>> | undefined;
    const read = await calls(async () => {
      got = await occi.get(location);
    });
    expect(got!.response.status).toBe(200);
    expect(got!.entity).toMatchObject({
      kind: NETWORK,
      mixins: [IPNETWORK, SYNNEFO_NETWORK],
      attributes: expected,
      actions: [],
    });
    expect(read).toEqual([
      `GET /network/v2.0/networks/${id} 200`,
      `GET /network/v2.0/subnets/${subnet!.id} 200`,
    ]);

    const list = await occi.list('/network/');
    expect(list.response.status).toBe(200);
    expect(list.locations).toEqual(expect.arrayContaining([location, '/network/1']));

    const pub = await occi.get('/network/1');
    expect(pub.entity).toMatchObject({
      mixins: [IPNETWORK, SYNNEFO_NETWORK],
      attributes: {
        'org.synnefo.network.public': true,
        'org.synnefo.network.floating_ip_pool': true,
        'occi.network.address': '203.0.113.0/24',
        'occi.network.state': 'active',
      },
    });

    const deleted = await occi.delete(location);
    expect(deleted.status).toBe(200);
    expect(stack.backend().networks.map((n) => n.id)).not.toContain(id);
    expect((await occi.get(location)).response.status).toBe(404);
    expect((await occi.list('/network/')).locations).not.toContain(location);
  });

  it('a network without the ipnetwork mixin is a Cyclades network without a subnet', async () => {
    const created = await occi.create('/network/', {
      kind: NETWORK,
      attributes: { 'occi.network.label': 'bare' },
    });
    expect(created.status, created.body).toBe(201);
    const id = locationOf(created).split('/').pop()!;
    expect(stack.backend().networks.find((n) => n.id === id)).toMatchObject({ name: 'bare', subnets: [] });
    const { entity } = await occi.get(locationOf(created));
    expect(entity?.mixins).toEqual([SYNNEFO_NETWORK]);
    expect(entity?.attributes).toMatchObject({
      'occi.network.label': 'bare',
      'occi.network.state': 'active',
    });
    expect(entity?.attributes['occi.network.address']).toBeUndefined();
    expect((await occi.delete(locationOf(created))).status).toBe(200);
  });

  it('a fault in the subnet step deletes the network again and reports the fault', async () => {
    const before = stack.backend().networks.length;
    stack.sim.injectFault({
      method: 'POST',
      path: '/subnets',
      status: 409,
      body: { conflict: { code: 409, message: 'Subnet refused (injected)', details: '' } },
    });
    const refused = await occi.create('/network/', {
      kind: NETWORK,
      mixins: [IPNETWORK],
      attributes: { 'occi.core.title': 'doomed', 'occi.network.address': '10.1.0.0/24' },
    });
    expect(refused.status).toBe(409);
    expect(occi.error(refused)).toContain('Subnet refused (injected)');
    expect(stack.backend().networks).toHaveLength(before);
    expect(stack.backend().subnets.filter((s) => s.cidr === '10.1.0.0/24')).toEqual([]);

    // A backend 5xx: the network goes too, and the client gets 502 without the backend's text.
    stack.sim.injectFault({ method: 'POST', path: '/subnets', status: 500 });
    const failed = await occi.create('/network/', {
      kind: NETWORK,
      mixins: [IPNETWORK],
      attributes: { 'occi.network.address': '10.1.0.0/24' },
    });
    expect(failed.status).toBe(502);
    expect(stack.backend().networks).toHaveLength(before);

    // A subnet size Cyclades does not make (over /22) is refused before any call: 400 naming the
    // attribute (Cyclades itself would answer 413, which is no size limit of the request).
    const mark = stack.sim.requestLog.length;
    const tooBig = await occi.create('/network/', {
      kind: NETWORK,
      mixins: [IPNETWORK],
      attributes: { 'occi.network.address': '10.0.0.0/8' },
    });
    expect(tooBig.status).toBe(400);
    expect(occi.error(tooBig)).toContain('occi.network.address 10.0.0.0/8');
    expect(stack.sim.requestLog.slice(mark).filter((r) => r.method === 'POST')).toEqual([]);
    // And should Cyclades answer 413 all the same, it is a 400, with its message; no network left.
    stack.sim.injectFault({
      method: 'POST',
      path: '/subnets',
      status: 413,
      body: { overLimit: { code: 413, message: 'Unsupported network size' } },
    });
    const refusedSize = await occi.create('/network/', {
      kind: NETWORK,
      mixins: [IPNETWORK],
      attributes: { 'occi.network.address': '10.1.0.0/24' },
    });
    expect(refusedSize.status).toBe(400);
    expect(occi.error(refusedSize)).toContain('Unsupported network size');
    expect(stack.backend().networks).toHaveLength(before);
    expect(stack.logLines.filter((l) => l.includes('compensation failed'))).toEqual([]);
  });

  it('refuses what Cyclades cannot do before calling it', async () => {
    const mark = stack.sim.requestLog.length;
    const noAddress = await occi.create('/network/', {
      kind: NETWORK,
      mixins: [IPNETWORK],
      attributes: { 'occi.network.gateway': '10.0.0.1' },
    });
    expect(noAddress.status).toBe(400);
    expect(occi.error(noAddress)).toContain('occi.network.address');
    const vlan = await occi.create('/network/', { kind: NETWORK, attributes: { 'occi.network.vlan': 42 } });
    expect(vlan.status).toBe(400);
    expect(occi.error(vlan)).toContain('VLAN');
    expect(stack.sim.requestLog.slice(mark).filter((r) => r.path.startsWith('/network/'))).toEqual([]);
  });

  it('up and down answer 501: Cyclades has no equivalent', async () => {
    const created = await occi.create('/network/', { kind: NETWORK, attributes: {} });
    const location = locationOf(created);
    for (const action of [UP, DOWN]) {
      const res = await occi.action(location, action);
      expect(res.status).toBe(501);
      expect(occi.error(res)).toMatch(/Cyclades/);
    }
    expect((await occi.delete(location)).status).toBe(200);
  });

  it('deleting a missing network is a 404; deleting the public one is Cyclades’ 403', async () => {
    expect((await occi.delete('/network/2999')).status).toBe(404);
    const pub = await occi.delete('/network/1');
    expect(pub.status).toBe(403);
    expect(occi.error(pub)).toContain('public network');
  });

  it('reserves an IP (a floating IP), reads it, lists it, releases it', async () => {
    const created = await occi.represented((o) =>
      o.create('/ipreservation/', { kind: IPRESERVATION, attributes: {} }),
    );
    expect(created.status, created.body).toBe(200);
    const location = locationOf(created);
    expect(location).toMatch(/^\/ipreservation\/\d+$/);
    const id = location.split('/').pop()!;
    const fip = stack.backend().floatingIps.find((f) => f.id === id)!;
    expect(fip).toMatchObject({ floating_network_id: '1', port_id: null });

    const expected = {
      'occi.core.id': id,
      'occi.ipreservation.address': fip.floating_ip_address,
      'occi.ipreservation.used': false,
      'occi.ipreservation.state': 'free',
      'occi.network.state': 'active',
    };
    expect(occi.readEntity(created)).toMatchObject({ kind: IPRESERVATION, attributes: expected });
    expect((await occi.get(location)).entity).toMatchObject({ kind: IPRESERVATION, attributes: expected });
    expect((await occi.list('/ipreservation/')).locations).toContain(location);
    // An IP reservation is a network (OCCI 1.2): the network collection lists it too.
    expect((await occi.list('/network/')).locations).toEqual(
      expect.arrayContaining([location, '/network/1']),
    );

    // A chosen address, and one that is taken.
    const chosen = await occi.represented((o) =>
      o.create('/ipreservation/', {
        kind: IPRESERVATION,
        attributes: { 'occi.ipreservation.address': '203.0.113.77' },
      }),
    );
    expect(chosen.status, chosen.body).toBe(200);
    expect(occi.readEntity(chosen).attributes['occi.ipreservation.address']).toBe('203.0.113.77');
    const taken = await occi.create('/ipreservation/', {
      kind: IPRESERVATION,
      attributes: { 'occi.ipreservation.address': '203.0.113.77' },
    });
    expect(taken.status).toBe(409);
    expect(occi.error(taken)).toContain('203.0.113.77');

    expect((await occi.delete(location)).status).toBe(200);
    expect((await occi.delete(locationOf(chosen))).status).toBe(200);
    expect(stack.backend().floatingIps).toEqual([]);
    expect((await occi.get(location)).response.status).toBe(404);
    for (const action of [UP, DOWN])
      expect((await occi.action('/ipreservation/5999', action)).status).toBe(501);
  });
});
