// Network interfaces (Cyclades ports, with floating IPs on public networks) and storage links
// (volume attachments), end to end in every rendering: created as link entities, read, listed,
// deleted, rendered on GET compute with the same ids, and the failure paths that must leave no
// floating IP or port behind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_NAMES } from '../support/occi-clients.js';
import {
  COMPUTE,
  DETACHABLE_FLAVOR,
  IPNETWORK,
  IPNETWORKINTERFACE,
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

describe.each(CLIENT_NAMES)('network interfaces and storage links over Cyclades, %s', (name) => {
  let stack: NetworkStack;
  let occi: Occi;
  let compute: string;
  let network: string;

  const settle = () => stack.sim.settle();

  beforeAll(async () => {
    stack = await startNetworkStack();
    occi = occiFor(name, stack);
    const vm = await occi.create('/compute/', {
      kind: COMPUTE,
      mixins: [DETACHABLE_FLAVOR],
      attributes: { 'occi.core.title': 'linked' },
    });
    expect(vm.status, vm.body).toBe(201);
    compute = locationOf(vm);
    const net = await occi.create('/network/', {
      kind: NETWORK,
      mixins: [IPNETWORK],
      attributes: { 'occi.core.title': 'private', 'occi.network.address': '10.0.0.0/24' },
    });
    expect(net.status, net.body).toBe(201);
    network = locationOf(net);
    await settle();
  });
  afterAll(() => stack?.close());

  // Every test leaves the compute as it found it: no port, no floating IP, no extra volume.
  afterEach(async () => {
    await settle();
    const b = stack.backend();
    expect(b.ports).toEqual([]);
    expect(b.floatingIps).toEqual([]);
    expect(b.volumes.map((v) => v.id)).toEqual((b.servers[0]!.volumes as number[]).map(String));
    expect(stack.logLines.filter((l) => l.includes('compensation failed'))).toEqual([]);
  });

  const linkTo = (target: string, attributes = {}) =>
    occi.createLink('/link/networkinterface/', {
      kind: NETWORKINTERFACE,
      mixins: [IPNETWORKINTERFACE],
      source: compute,
      target,
      targetKind: target.startsWith('/ipreservation/') ? IPRESERVATION : NETWORK,
      attributes,
    });

  it('a network interface to a private network is a port: created, read, listed, on the compute, deleted', async () => {
    // The full rendering, as asked for (Prefer: return=representation): 200 instead of 201.
    const created = await occi.represented(() => linkTo(network));
    expect(created.status, created.body).toBe(200);
    const location = locationOf(created);
    expect(location).toMatch(/^\/link\/networkinterface\/\d+$/);
    const port = stack.backend().ports.find((p) => p.id === idOf(location))!;
    expect(port).toMatchObject({ network_id: idOf(network), device_id: idOf(compute) });
    expect(occi.readEntity(created)).toMatchObject({
      kind: NETWORKINTERFACE,
      mixins: [IPNETWORKINTERFACE],
      attributes: {
        'occi.core.source': compute,
        'occi.core.target': network,
        'occi.networkinterface.state': 'inactive',
        'occi.networkinterface.state.message': 'the interface is being connected',
        'occi.networkinterface.address': '10.0.0.2',
        'occi.networkinterface.allocation': 'dynamic',
      },
    });

    await settle();
    const got = await occi.get(location);
    expect(got.response.status).toBe(200);
    expect(got.entity).toMatchObject({
      kind: NETWORKINTERFACE,
      attributes: {
        'occi.core.source': compute,
        'occi.core.target': network,
        'occi.networkinterface.interface': 'eth0',
        'occi.networkinterface.mac': port.mac_address,
        'occi.networkinterface.state': 'active',
        'occi.networkinterface.address': '10.0.0.2',
        'occi.networkinterface.gateway': '10.0.0.1',
        'occi.networkinterface.allocation': 'dynamic',
      },
    });
    expect((await occi.list('/link/networkinterface/')).locations).toEqual([location]);
    expect((await occi.list('/link/')).locations).toContain(location);

    // GET compute renders the same link: same location, target and interface.
    const vm = (await occi.get(compute)).entity!;
    const nic = vm.links.find((l) => l.kind === NETWORKINTERFACE);
    expect(nic).toMatchObject({ location, target: network });
    expect(nic?.attributes).toMatchObject({
      'occi.networkinterface.interface': 'eth0',
      'occi.networkinterface.address': '10.0.0.2',
    });

    // The network cannot go while the interface uses it: Cyclades' 409 and message.
    const busy = await occi.delete(network);
    expect(busy.status).toBe(409);
    expect(occi.error(busy)).toContain('ports still configured');

    expect((await occi.delete(location)).status).toBe(200);
    await settle();
    expect((await occi.get(location)).response.status).toBe(404);
    expect((await occi.get(compute)).entity!.links.filter((l) => l.kind === NETWORKINTERFACE)).toEqual([]);
  });

  it('a network interface to the public network allocates a floating IP, and its deletion releases it', async () => {
    const created = await occi.represented(() => linkTo('/network/1'));
    expect(created.status, created.body).toBe(200);
    const location = locationOf(created);
    const [fip] = stack.backend().floatingIps;
    expect(fip).toMatchObject({ port_id: idOf(location), floating_network_id: '1' });
    expect(occi.readEntity(created).attributes).toMatchObject({
      'occi.networkinterface.address': fip!.floating_ip_address,
      'occi.networkinterface.allocation': 'static',
    });
    await settle();
    expect((await occi.get(location)).entity?.attributes).toMatchObject({
      'occi.core.target': '/network/1',
      'occi.networkinterface.address': fip!.floating_ip_address,
      'occi.networkinterface.gateway': '203.0.113.1',
      'occi.networkinterface.allocation': 'static',
      'occi.networkinterface.state': 'active',
    });
    // The floating IP shows as a used IP reservation while the interface holds it.
    expect((await occi.get(`/ipreservation/${fip!.id}`)).entity?.attributes).toMatchObject({
      'occi.ipreservation.used': true,
      'occi.ipreservation.state': 'used',
    });
    expect((await occi.delete(location)).status).toBe(200);
    expect(stack.backend().floatingIps).toEqual([]);
  });

  it('reuses a floating IP the client reserved (by the network or by the reservation) and keeps it after', async () => {
    const reserved = await occi.create('/ipreservation/', { kind: IPRESERVATION, attributes: {} });
    expect(reserved.status, reserved.body).toBe(201);
    const reservation = locationOf(reserved);
    for (const target of ['/network/1', reservation]) {
      const created = await linkTo(target);
      expect(created.status, created.body).toBe(201);
      const fips = stack.backend().floatingIps;
      expect(fips.map((f) => [f.id, f.port_id])).toEqual([[idOf(reservation), idOf(locationOf(created))]]);
      expect((await occi.delete(locationOf(created))).status).toBe(200);
      await settle();
      expect(stack.backend().floatingIps.map((f) => [f.id, f.port_id])).toEqual([[idOf(reservation), null]]);
    }
    // A reservation already in use is refused before any port is made.
    const first = await linkTo(reservation);
    const second = await linkTo(reservation);
    expect(second.status).toBe(409);
    expect(occi.error(second)).toContain('already in use');
    expect((await occi.delete(locationOf(first))).status).toBe(200);
    await settle();
    expect((await occi.delete(reservation)).status).toBe(200);
  });

  it.each([
    ['GET', '/networks/1'],
    ['GET', '/floatingips'],
    ['POST', '/floatingips'],
    ['POST', '/ports'],
  ])(
    'a fault at %s %s of a public interface leaves no port or floating IP, and reports the fault',
    async (method, path) => {
      stack.sim.injectFault({
        method,
        path,
        status: 409,
        body: { conflict: { code: 409, message: `Refused ${path} (injected)`, details: '' } },
      });
      const mark = stack.sim.requestLog.length;
      const refused = await linkTo('/network/1');
      expect(refused.status).toBe(409);
      expect(occi.error(refused)).toContain(`Refused ${path} (injected)`);
      expect(stack.sim.requestLog.slice(mark).map((r) => `${r.method} ${r.path} ${r.status}`)).toContain(
        `${method} /network/v2.0${path} 409`,
      );
      // afterEach: no floating IP, no port.
    },
  );

  it('a fault creating the port releases the floating IP allocated for it and reports the fault', async () => {
    stack.sim.injectFault({
      method: 'POST',
      path: '/ports',
      status: 409,
      body: { conflict: { code: 409, message: 'No port today (injected)', details: '' } },
    });
    const refused = await linkTo('/network/1');
    expect(refused.status).toBe(409);
    expect(occi.error(refused)).toContain('No port today (injected)');
    const allocated = stack.sim.requestLog.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/floatingips'),
    );
    expect(allocated.at(-1)?.status).toBe(200);
    // afterEach: no floating IP, no port.

    // With a reserved floating IP, the failure leaves the reservation (the client's) in place.
    const reserved = await occi.create('/ipreservation/', { kind: IPRESERVATION, attributes: {} });
    stack.sim.injectFault({ method: 'POST', path: '/ports', status: 500 });
    const failed = await linkTo('/network/1');
    expect(failed.status).toBe(502);
    expect(stack.backend().floatingIps.map((f) => f.id)).toEqual([idOf(locationOf(reserved))]);
    expect((await occi.delete(locationOf(reserved))).status).toBe(200);

    // Cyclades' own refusal: a port on a missing compute.
    const ghost = await occi.createLink('/link/networkinterface/', {
      kind: NETWORKINTERFACE,
      source: '/compute/999',
      target: '/network/1',
      targetKind: NETWORK,
    });
    expect(ghost.status).toBe(404);
    expect(occi.error(ghost)).toContain('Server not found');
  });

  it('refuses what Cyclades cannot do before calling it', async () => {
    const mark = stack.sim.requestLog.length;
    const mac = await linkTo(network, { 'occi.networkinterface.mac': 'aa:bb:cc:dd:ee:ff' });
    expect(mac.status).toBe(400);
    expect(occi.error(mac)).toContain('MAC');
    const address = await linkTo(network, { 'occi.networkinterface.address': '10.0.0.9' });
    expect(address.status).toBe(400);
    expect(occi.error(address)).toContain('private network');
    const fromNetwork = await occi.createLink('/link/networkinterface/', {
      kind: NETWORKINTERFACE,
      source: network,
      target: network,
      targetKind: NETWORK,
    });
    expect(fromNetwork.status).toBe(400);
    expect(occi.error(fromNetwork)).toContain('source');
    const writes = stack.sim.requestLog.slice(mark).filter((r) => r.method !== 'GET');
    expect(writes.filter((r) => !r.path.startsWith('/identity/'))).toEqual([]);
  });

  it('a storage link is a volume attachment: created, read, listed, on the compute, deleted', async () => {
    const storage = await occi.create('/storage/', { kind: STORAGE, attributes: { 'occi.storage.size': 1 } });
    const target = locationOf(storage);
    const created = await occi.represented((o) =>
      o.createLink('/link/storagelink/', { kind: STORAGELINK, source: compute, target, targetKind: STORAGE }),
    );
    expect(created.status, created.body).toBe(200);
    const location = locationOf(created);
    expect(location).toBe(`/link/storagelink/${idOf(target)}`);
    expect(occi.readEntity(created).attributes).toMatchObject({
      'occi.core.source': compute,
      'occi.core.target': target,
      'occi.storagelink.state': 'inactive',
    });
    await settle();
    const got = await occi.get(location);
    expect(got.entity).toMatchObject({
      kind: STORAGELINK,
      attributes: {
        'occi.core.source': compute,
        'occi.core.target': target,
        'occi.storagelink.deviceid': '',
        'occi.storagelink.state': 'active',
      },
    });
    expect((await occi.get(target)).entity?.attributes).toMatchObject({ 'occi.storage.state': 'online' });
    const links = (await occi.list('/link/storagelink/')).locations;
    expect(links).toContain(location);
    expect(links).toHaveLength(2); // and the root volume's
    const vm = (await occi.get(compute)).entity!;
    expect(vm.links.find((l) => l.location === location)).toMatchObject({ kind: STORAGELINK, target });

    // The root volume's link is listed too, and Cyclades refuses to detach it.
    const root = links.find((l) => l !== location)!;
    const refused = await occi.delete(root);
    expect(refused.status).toBe(400);
    expect(occi.error(refused)).toContain('root volume');

    expect((await occi.delete(location)).status).toBe(200);
    await settle();
    expect((await occi.get(location)).response.status).toBe(404);
    expect(stack.backend().volumes.find((v) => v.id === idOf(target))).toMatchObject({ status: 'available' });
    expect((await occi.delete(target)).status).toBe(200);
  });

  it('a storage link refuses a device or mount point, and reports Cyclades’ refusals', async () => {
    const storage = await occi.create('/storage/', { kind: STORAGE, attributes: { 'occi.storage.size': 1 } });
    const target = locationOf(storage);
    const link = (attributes = {}, source = compute) =>
      occi.createLink('/link/storagelink/', {
        kind: STORAGELINK,
        source,
        target,
        targetKind: STORAGE,
        attributes,
      });
    const device = await link({ 'occi.storagelink.deviceid': '/dev/vdb' });
    expect(device.status).toBe(400);
    expect(occi.error(device)).toContain('deviceid');
    const ghost = await link({}, '/compute/999');
    expect(ghost.status).toBe(404);
    expect((await occi.get(`/link/storagelink/${idOf(target)}`)).response.status).toBe(404);
    expect((await occi.delete(target)).status).toBe(200);
  });
});
