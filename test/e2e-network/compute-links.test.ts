// Links inline in a compute create (OCCI 1.2), end to end in every rendering: network interfaces
// become the server's NICs (a floating IP reused or allocated, in a port made beforehand, for the
// public network), storage links become block devices after the root volume. GET compute renders
// them with the ids of the link entities. Whatever step fails, nothing is left behind; deleting
// the compute behaves as Cyclades does.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OcciResponse } from '../support/occi-clients.js';
import { CLIENT_NAMES } from '../support/occi-clients.js';
import {
  COMPUTE,
  DETACHABLE_FLAVOR,
  type InlineLink,
  IPNETWORK,
  IPRESERVATION,
  locationOf,
  NETWORK,
  NETWORKINTERFACE,
  type Occi,
  STORAGE,
  STORAGELINK,
  idOf,
} from './occi.js';
import { type NetworkStack, occiFor, startNetworkStack } from './stack.js';

const nic = (target: string, attributes = {}): InlineLink => ({
  kind: NETWORKINTERFACE,
  target,
  targetKind: target.startsWith('/ipreservation/') ? IPRESERVATION : NETWORK,
  attributes,
});
const disk = (target: string): InlineLink => ({ kind: STORAGELINK, target, targetKind: STORAGE });

describe.each(CLIENT_NAMES)('a compute created with inline links, %s', (name) => {
  let stack: NetworkStack;
  let occi: Occi;
  let network: string;
  let storage: string;

  const settle = () => stack.sim.settle();
  const createCompute = (links: InlineLink[], title = 'with-links') =>
    occi.create('/compute/', {
      kind: COMPUTE,
      mixins: [DETACHABLE_FLAVOR],
      attributes: { 'occi.core.title': title },
      links,
    });
  /** The backend calls a request makes (identity and template listings left out). */
  const callsOf = async (during: () => Promise<OcciResponse>) => {
    const mark = stack.sim.requestLog.length;
    const response = await during();
    const calls = stack.sim.requestLog
      .slice(mark)
      .filter((r) => !r.path.startsWith('/identity/') && !/\/(images|flavors)\/detail$/.test(r.path))
      .map((r) => `${r.method} ${r.path.replace(/^\/(compute|network|volume)\/v2\.0/, '')} ${r.status}`)
      // A wait polls until the server is settled: how many polls that takes depends on when the
      // simulator's jobs complete, not on the rules, so a repeated poll counts once.
      .filter((call, i, all) => !(call.startsWith('GET ') && call === all[i - 1]));
    return { response, calls };
  };
  /** What the user has in the backend besides the network and storage made in beforeAll. */
  const leftovers = () => {
    const b = stack.backend();
    return {
      servers: b.servers.map((s) => s.id),
      ports: b.ports.map((p) => p.id),
      floatingIps: b.floatingIps.map((f) => f.id),
      volumes: b.volumes.map((v) => v.id).filter((id) => id !== idOf(storage)),
      networks: b.networks.map((n) => n.id).filter((id) => id !== idOf(network)),
    };
  };
  const nothingLeft = { servers: [], ports: [], floatingIps: [], volumes: [], networks: [] };

  beforeAll(async () => {
    stack = await startNetworkStack();
    occi = occiFor(name, stack);
    const net = await occi.create('/network/', {
      kind: NETWORK,
      mixins: [IPNETWORK],
      attributes: { 'occi.core.title': 'private', 'occi.network.address': '10.0.0.0/24' },
    });
    expect(net.status, net.body).toBe(201);
    network = locationOf(net);
    const vol = await occi.create('/storage/', { kind: STORAGE, attributes: { 'occi.storage.size': 1 } });
    expect(vol.status, vol.body).toBe(201);
    storage = locationOf(vol);
  });
  afterAll(() => stack?.close());
  afterEach(async () => {
    await settle();
    expect(leftovers()).toEqual(nothingLeft);
    expect(stack.backend().volumes.find((v) => v.id === idOf(storage))).toMatchObject({
      status: 'available',
    });
    // Every compensation that ran succeeded; none ran for a step that made no call.
    expect(stack.logLines.filter((l) => l.includes('compensation failed'))).toEqual([]);
  });

  it('creates the server with its NICs and disks; GET compute renders them as the link entities', async () => {
    const { response: created, calls } = await callsOf(() =>
      createCompute([nic(network), nic('/network/1'), disk(storage)]),
    );
    expect(created.status, created.body).toBe(201);
    const compute = locationOf(created);
    const server = idOf(compute);
    const fip = stack.backend().floatingIps[0]!;
    const publicPort = stack.backend().ports.find((p) => p.network_id === '1')!;
    // The server first; then each link by its own kind's create rule, once the server is settled.
    expect(calls).toEqual([
      'POST /servers 202',
      `GET /networks/${idOf(network)} 200`,
      `GET /servers/${server} 200`,
      'POST /ports 201',
      'GET /networks/1 200',
      `GET /servers/${server} 200`,
      'GET /floatingips 200',
      'POST /floatingips 200',
      'POST /ports 201',
      `GET /servers/${server} 200`,
      `POST /servers/${server}/os-volume_attachments 202`,
    ]);
    expect(publicPort).toMatchObject({
      device_id: server,
      fixed_ips: [{ ip_address: fip.floating_ip_address }],
    });
    expect(fip.port_id).toBe(publicPort.id);
    await settle();

    const vm = (await occi.get(compute)).entity!;
    const nics = vm.links.filter((l) => l.kind === NETWORKINTERFACE);
    const disks = vm.links.filter((l) => l.kind === STORAGELINK);
    expect(nics.map((l) => l.target).sort()).toEqual(['/network/1', network].sort());
    expect(nics.find((l) => l.target === '/network/1')?.attributes).toMatchObject({
      'occi.networkinterface.address': fip.floating_ip_address,
      'occi.networkinterface.allocation': 'static',
    });
    expect(disks.map((l) => l.target)).toContain(storage);
    expect(disks).toHaveLength(2); // the root volume and the storage
    // Every link the compute renders is a link entity at that location, with the same ends.
    for (const link of vm.links) {
      const got = await occi.get(link.location!);
      expect(got.response.status, link.location).toBe(200);
      expect(got.entity?.attributes).toMatchObject({
        'occi.core.source': compute,
        'occi.core.target': link.target,
      });
    }
    const listed = (await occi.list('/link/')).locations;
    expect(listed.sort()).toEqual(vm.links.map((l) => l.location!).sort());

    // Deleting the compute: its ports and root volume go with it (Cyclades), the storage and the
    // network the client made stay.
    expect((await occi.delete(compute)).status).toBe(200);
    await settle();
    expect((await occi.get(compute)).response.status).toBe(404);
    expect((await occi.list('/link/')).locations).toEqual([]);
    // The floating IP snf-occi allocated for the public interface goes with the compute.
    expect(stack.backend().floatingIps).toEqual([]);
    expect((await occi.delete(`/ipreservation/${fip.id}`)).status).toBe(404);
  });

  // The floating IP snf-occi allocated for the compute's public interface goes with the compute:
  // the compute delete rule releases the floating IPs of the ports links.yaml named, once the
  // server is gone (Cyclades itself keeps them allocated).
  it('deleting the compute releases the floating IP allocated for it', async () => {
    const created = await createCompute([nic('/network/1')]);
    expect(created.status, created.body).toBe(201);
    const fip = stack.backend().floatingIps[0]!;
    await settle();
    try {
      expect((await occi.delete(locationOf(created))).status).toBe(200);
      await settle();
      expect(stack.backend().floatingIps).toEqual([]);
    } finally {
      await occi.delete(`/ipreservation/${fip.id}`);
    }
  });

  it('a link to a reserved IP, or to the public network with one free, uses it and leaves it reserved', async () => {
    const reserved = await occi.create('/ipreservation/', { kind: IPRESERVATION, attributes: {} });
    const reservation = locationOf(reserved);
    for (const target of [reservation, '/network/1']) {
      const { response: created, calls } = await callsOf(() => createCompute([nic(target)]));
      expect(created.status, created.body).toBe(201);
      expect(calls.filter((c) => c.startsWith('POST /floatingips'))).toEqual([]);
      expect(stack.backend().floatingIps.map((f) => f.id)).toEqual([idOf(reservation)]);
      await settle();
      expect((await occi.delete(locationOf(created))).status).toBe(200);
      await settle();
    }
    expect(stack.backend().floatingIps.map((f) => [f.id, f.port_id])).toEqual([[idOf(reservation), null]]);
    expect((await occi.delete(reservation)).status).toBe(200);
  });

  it.each([
    ['POST', '/floatingips'],
    ['POST', '/ports'],
    ['POST', '/servers'],
  ])(
    'a fault at %s %s leaves no server, port or floating IP, and the client gets the backend’s error',
    async (method, path) => {
      stack.sim.injectFault({
        method,
        path,
        status: 409,
        body: { conflict: { code: 409, message: `Refused ${path} (injected)`, details: '' } },
      });
      const { response: refused, calls } = await callsOf(() =>
        createCompute([nic(network), nic('/network/1'), disk(storage)]),
      );
      expect(refused.status).toBe(409);
      expect(occi.error(refused)).toContain(`Refused ${path} (injected)`);
      expect(calls).toContain(`${method} ${path} 409`);
      // afterEach: nothing left; the storage is available again.

      // A backend 5xx at the same step: 502, nothing left either.
      stack.sim.injectFault({ method, path, status: 500 });
      const failed = await createCompute([nic(network), nic('/network/1'), disk(storage)]);
      expect(failed.status).toBe(502);
      await settle();
      expect(leftovers()).toEqual(nothingLeft);
    },
  );

  it('Cyclades’ own refusal of the server (a volume of another type) undoes the public port and floating IP', async () => {
    const created = await occi.create('/compute/', {
      kind: COMPUTE,
      mixins: ['http://schemas.openstack.org/template/resource#1'], // drbd: not the storage's type
      links: [nic('/network/1'), disk(storage)],
    });
    expect(created.status).toBe(400);
    expect(occi.error(created)).toContain('same volume type');
  });

  it('refuses links Cyclades cannot make before calling it', async () => {
    const mark = stack.sim.requestLog.length;
    const toCompute = await createCompute([
      { kind: NETWORKINTERFACE, target: '/compute/7', targetKind: COMPUTE },
    ]);
    expect(toCompute.status).toBe(400);
    expect(occi.error(toCompute)).toContain('must be a network');
    const wrongKind = await createCompute([{ kind: STORAGELINK, target: network, targetKind: NETWORK }]);
    expect(wrongKind.status).toBe(400);
    const mac = await createCompute([nic(network, { 'occi.networkinterface.mac': 'aa:bb:cc:dd:ee:ff' })]);
    expect(mac.status).toBe(400);
    const writes = stack.sim.requestLog
      .slice(mark)
      .filter((r) => r.method !== 'GET' && !r.path.startsWith('/identity/'));
    expect(writes).toEqual([]);
  });

  it('a create without links is the one POST /servers it always was, and undoes nothing when it fails', async () => {
    const { response: created, calls } = await callsOf(() => createCompute([], 'plain'));
    expect(created.status, created.body).toBe(201);
    expect(calls).toEqual(['POST /servers 202']);
    await settle();
    expect((await occi.delete(locationOf(created))).status).toBe(200);

    stack.sim.injectFault({ method: 'POST', path: '/servers', status: 503 });
    const { response: failed, calls: tried } = await callsOf(() => createCompute([], 'plain'));
    expect(failed.status).toBe(503);
    expect(tried).toEqual(['POST /servers 503']);
  });
});
