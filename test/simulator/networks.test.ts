// Network API: networks (201, MAC_FILTERED, ACTIVE at once, public one listed), subnets (201, size
// limits as 413, never deletable), ports (201, BUILD → ACTIVE on a server, public needs a floating
// IP) and floating IPs (allocate 200, release 204, 409 while in use).
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import { activeServer, C, client, clockTick, expectFault, N, useSimulator } from './helpers.js';

const ctx = useSimulator({ quotas: { 'cyclades.network.private': 100, 'cyclades.floating_ip': 100 } });

async function network(name = 'net') {
  const c = client(ctx.sim);
  const r = await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED', name } });
  expect(r.status).toBe(201);
  return r.body.network;
}

describe('networks', () => {
  it('creates a MAC_FILTERED network ACTIVE at once (201) with the Synnefo fields', async () => {
    const c = client(ctx.sim);
    const n = await network('private');
    expect(n).toMatchObject({
      name: 'private',
      type: 'MAC_FILTERED',
      status: 'ACTIVE',
      public: false,
      shared: false,
      'router:external': false,
      admin_state_up: true,
      subnets: [],
      'SNF:floating_ip_pool': false,
      deleted: false,
      user_id: c.userId,
      tenant_id: c.projectId,
    });
    expect(typeof n.id).toBe('string');
    expect(n.links[0]).toEqual({ rel: 'self', href: `${ctx.sim.url}${N}/networks/${n.id}` });
    expect((await c.get(`${N}/networks/${n.id}`)).body.network).toEqual(n);
  });

  it('lists the public network with its floating-IP pool', async () => {
    const list = (await client(ctx.sim).get(`${N}/networks`)).body.networks;
    const pub = list.find((n: { public: boolean }) => n.public);
    expect(pub).toMatchObject({
      id: '1',
      'SNF:floating_ip_pool': true,
      user_id: null,
      tenant_id: null,
      shared: true,
    });
    expect(pub.subnets).toHaveLength(1);
  });

  it('validates the type: unknown → 400, not user-creatable → 403, missing → 400', async () => {
    const c = client(ctx.sim);
    expectFault(
      await c.post(`${N}/networks`, { network: { type: 'FANCY' } }),
      400,
      'badRequest',
      "Invalid network type 'FANCY'",
    );
    expectFault(await c.post(`${N}/networks`, { network: { type: 'PHYSICAL_VLAN' } }), 403, 'forbidden');
    expectFault(await c.post(`${N}/networks`, { network: { name: 'x' } }), 400, 'badRequest');
  });

  it('renames (200) and deletes (204); the public network can be neither (403)', async () => {
    const c = client(ctx.sim);
    const n = await network();
    const r = await c.put(`${N}/networks/${n.id}`, { network: { name: 'renamed' } });
    expect(r.status).toBe(200);
    expect(r.body.network.name).toBe('renamed');
    expectFault(await c.put(`${N}/networks/1`, { network: { name: 'mine' } }), 403, 'forbidden');
    expectFault(await c.del(`${N}/networks/1`), 403, 'forbidden');
    expect((await c.del(`${N}/networks/${n.id}`)).status).toBe(204);
    expect((await c.get(`${N}/networks/${n.id}`)).body.network).toMatchObject({
      status: 'DELETED',
      deleted: true,
    });
    expect((await c.get(`${N}/networks`)).body.networks.map((x: { id: string }) => x.id)).not.toContain(n.id);
  });

  it('refuses to delete a network with ports (409) and deletes its subnets with it', async () => {
    const c = client(ctx.sim);
    const n = await network();
    const sub = (await c.post(`${N}/subnets`, { subnet: { network_id: n.id, cidr: '10.1.0.0/24' } })).body
      .subnet;
    const port = (await c.post(`${N}/ports`, { port: { network_id: n.id } })).body.port;
    expectFault(await c.del(`${N}/networks/${n.id}`), 409, 'conflict', /ports still configured/);
    expect((await c.del(`${N}/ports/${port.id}`)).status).toBe(204);
    expect((await c.del(`${N}/networks/${n.id}`)).status).toBe(204);
    expectFault(await c.get(`${N}/subnets/${sub.id}`), 404, 'itemNotFound');
  });

  it('supports changes-since on networks', async () => {
    const c = client(ctx.sim);
    const since = new Date().toISOString();
    await clockTick();
    const n = await network();
    const r = await c.get(`${N}/networks?changes-since=${since}`);
    expect(r.body.networks.map((x: { id: string }) => x.id)).toEqual([n.id]);
  });

  it('reassigns through the action (200)', async () => {
    const c = client(ctx.sim);
    const n = await network();
    expect(
      (await c.post(`${N}/networks/${n.id}/action`, { reassign: { project: c.projectId } })).status,
    ).toBe(200);
    expectFault(
      await c.post(`${N}/networks/${n.id}/action`, { reassign: { project: 'x' } }),
      403,
      'forbidden',
    );
  });
});

describe('subnets', () => {
  it('creates (201) with default gateway and allocation pool', async () => {
    const c = client(ctx.sim);
    const n = await network();
    const r = await c.post(`${N}/subnets`, {
      subnet: { network_id: n.id, cidr: '192.168.5.0/24', name: 's' },
    });
    expect(r.status).toBe(201);
    expect(r.body.subnet).toMatchObject({
      network_id: n.id,
      name: 's',
      cidr: '192.168.5.0/24',
      ip_version: 4,
      gateway_ip: '192.168.5.1',
      enable_dhcp: true,
      dns_nameservers: [],
      host_routes: [],
      allocation_pools: [{ start: '192.168.5.2', end: '192.168.5.254' }],
      public: false,
      deleted: false,
    });
    expect((await c.get(`${N}/networks/${n.id}`)).body.network.subnets).toEqual([r.body.subnet.id]);
    expect((await c.get(`${N}/subnets/${r.body.subnet.id}`)).status).toBe(200);
    expect((await c.get(`${N}/subnets`)).body.subnets.map((s: { id: string }) => s.id)).toContain(
      r.body.subnet.id,
    );
  });

  it('answers 413 "Unsupported network size" outside /22–/29 and 400 for malformed CIDRs', async () => {
    const c = client(ctx.sim);
    const n = await network();
    expectFault(
      await c.post(`${N}/subnets`, { subnet: { network_id: n.id, cidr: '10.0.0.0/16' } }),
      413,
      'overLimit',
      'Unsupported network size',
    );
    expectFault(
      await c.post(`${N}/subnets`, { subnet: { network_id: n.id, cidr: '10.0.0.0/30' } }),
      413,
      'overLimit',
    );
    expectFault(
      await c.post(`${N}/subnets`, { subnet: { network_id: n.id, cidr: '10.0.0.1/24' } }),
      400,
      'badRequest',
    );
    expectFault(
      await c.post(`${N}/subnets`, { subnet: { network_id: n.id, cidr: 'banana' } }),
      400,
      'badRequest',
    );
    expectFault(await c.post(`${N}/subnets`, { subnet: { network_id: n.id } }), 400, 'badRequest');
    expectFault(
      await c.post(`${N}/subnets`, { subnet: { network_id: '999999', cidr: '10.0.0.0/24' } }),
      404,
      'itemNotFound',
    );
  });

  it('allows one IPv4 and one IPv6 subnet per network; IPv6 ports get EUI-64 addresses', async () => {
    const c = client(ctx.sim);
    const n = await network();
    expect((await c.post(`${N}/subnets`, { subnet: { network_id: n.id, cidr: '10.2.0.0/24' } })).status).toBe(
      201,
    );
    expectFault(
      await c.post(`${N}/subnets`, { subnet: { network_id: n.id, cidr: '10.3.0.0/24' } }),
      400,
      'badRequest',
    );
    const v6 = await c.post(`${N}/subnets`, {
      subnet: { network_id: n.id, cidr: '2001:db8:1::/64', ip_version: 6 },
    });
    expect(v6.status).toBe(201);
    expect(v6.body.subnet).toMatchObject({ ip_version: 6, enable_slaac: true });
    const port = (await c.post(`${N}/ports`, { port: { network_id: n.id } })).body.port;
    expect(port.fixed_ips).toHaveLength(2);
    expect(port.fixed_ips[1].ip_address).toMatch(/^2001:db8:1:0:a800:ff:fe/);
  });

  it('renames only (200) and never deletes (400)', async () => {
    const c = client(ctx.sim);
    const n = await network();
    const s = (await c.post(`${N}/subnets`, { subnet: { network_id: n.id, cidr: '10.4.0.0/24' } })).body
      .subnet;
    expect((await c.put(`${N}/subnets/${s.id}`, { subnet: { name: 'new' } })).body.subnet.name).toBe('new');
    expectFault(await c.put(`${N}/subnets/${s.id}`, { subnet: { cidr: '10.5.0.0/24' } }), 400, 'badRequest');
    expectFault(
      await c.del(`${N}/subnets/${s.id}`),
      400,
      'badRequest',
      'Deletion of a subnet is not supported',
    );
    expect((await c.get(`${N}/subnets/${s.id}`)).status).toBe(200);
  });
});

describe('ports', () => {
  it('creates an unattached port DOWN, and a port on a server BUILD → ACTIVE (201)', async () => {
    const c = client(ctx.sim);
    const n = await network();
    await c.post(`${N}/subnets`, { subnet: { network_id: n.id, cidr: '10.6.0.0/29' } });
    const down = await c.post(`${N}/ports`, { port: { network_id: n.id, name: 'spare' } });
    expect(down.status).toBe(201);
    expect(down.body.port).toMatchObject({ status: 'DOWN', device_id: '', device_owner: '', name: 'spare' });
    expect(down.body.port.mac_address).toMatch(/^aa:00:00(:[0-9a-f]{2}){3}$/);
    const id = await activeServer(ctx.sim, c);
    const p = await c.post(`${N}/ports`, { port: { network_id: n.id, device_id: String(id) } });
    expect(p.body.port).toMatchObject({ status: 'BUILD', device_id: String(id), device_owner: 'vm' });
    await ctx.sim.settle();
    expect((await c.get(`${N}/ports/${p.body.port.id}`)).body.port.status).toBe('ACTIVE');
    const s = (await c.get(`${C}/servers/${id}`)).body.server;
    expect(s.attachments[0]).toMatchObject({
      id: Number(p.body.port.id),
      network_id: n.id,
      ipv4: '10.6.0.3',
    });
  });

  it('connects through a CONNECT job: the server shows CONNECTING until the port is ACTIVE', async () => {
    const sim = await startSimulator({ delayMs: 0, delays: { port: 60_000 } });
    try {
      const c = client(sim);
      const n = (await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } })).body.network;
      const id = await activeServer(sim, c);
      const p = (await c.post(`${N}/ports`, { port: { network_id: n.id, device_id: id } })).body.port;
      expect(p.status).toBe('BUILD');
      const s = (await c.get(`${C}/servers/${id}`)).body.server;
      expect(s).toMatchObject({ status: 'ACTIVE', 'SNF:task_state': 'CONNECTING', attachments: [] });
      expectFault(
        await c.post(`${C}/servers/${id}/action`, { shutdown: {} }),
        400,
        'badRequest',
        /pending 'CONNECT'/,
      );
    } finally {
      await sim.close();
    }
  });

  it('needs one of the user floating IPs on the public network', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    expectFault(
      await c.post(`${N}/ports`, { port: { network_id: '1', device_id: id } }),
      400,
      'badRequest',
      /floating IP/,
    );
    const fip = (await c.post(`${N}/floatingips`, { floatingip: { floating_network_id: '1' } })).body
      .floatingip;
    const p = await c.post(`${N}/ports`, {
      port: { network_id: '1', device_id: id, fixed_ips: [{ ip_address: fip.floating_ip_address }] },
    });
    expect(p.status).toBe(201);
    expect(p.body.port.fixed_ips).toEqual([{ ip_address: fip.floating_ip_address, subnet: '1' }]);
    await ctx.sim.settle();
    expect((await c.get(`${N}/floatingips/${fip.id}`)).body.floatingip).toMatchObject({
      port_id: p.body.port.id,
      instance_id: String(id),
    });
    expectFault(
      await c.del(`${N}/floatingips/${fip.id}`),
      409,
      'conflict',
      `IP '${fip.id}' is used by server '${id}'`,
    );
    expect((await c.del(`${N}/ports/${p.body.port.id}`)).status).toBe(204);
    await ctx.sim.settle();
    expectFault(await c.get(`${N}/ports/${p.body.port.id}`), 404, 'itemNotFound');
    expect((await c.del(`${N}/floatingips/${fip.id}`)).status).toBe(204);
  });

  it('updates name and security groups (200); unknown ports are 404', async () => {
    const c = client(ctx.sim);
    const n = await network();
    const p = (await c.post(`${N}/ports`, { port: { network_id: n.id } })).body.port;
    const r = await c.put(`${N}/ports/${p.id}`, { port: { name: 'eth1', security_groups: ['default'] } });
    expect(r.body.port).toMatchObject({ name: 'eth1', security_groups: ['default'] });
    expectFault(await c.get(`${N}/ports/999999`), 404, 'itemNotFound');
    expectFault(await c.post(`${N}/ports`, { port: {} }), 400, 'badRequest');
    expectFault(
      await c.post(`${N}/ports`, { port: { network_id: n.id, device_id: '999999' } }),
      404,
      'itemNotFound',
    );
  });

  it('allows at most 8 NICs per server', async () => {
    const c = client(ctx.sim);
    const n = await network();
    const id = await activeServer(ctx.sim, c, { networks: Array(8).fill({ uuid: n.id }) });
    expectFault(
      await c.post(`${N}/ports`, { port: { network_id: n.id, device_id: id } }),
      400,
      'badRequest',
      /Maximum ports/,
    );
  });
});

describe('floating IPs', () => {
  it('allocates (200) from the pool, lists, shows and releases (204, then 404)', async () => {
    const c = client(ctx.sim);
    const r = await c.post(`${N}/floatingips`, { floatingip: {} });
    expect(r.status).toBe(200);
    expect(r.body.floatingip).toMatchObject({
      floating_network_id: '1',
      fixed_ip_address: null,
      port_id: null,
      instance_id: null,
      user_id: c.userId,
      tenant_id: c.projectId,
      deleted: false,
    });
    expect(r.body.floatingip.floating_ip_address).toMatch(/^203\.0\.113\.\d+$/);
    const id = r.body.floatingip.id;
    expect((await c.get(`${N}/floatingips`)).body.floatingips.map((f: { id: string }) => f.id)).toContain(id);
    expect((await c.get(`${N}/floatingips/${id}`)).body.floatingip.id).toBe(id);
    expect((await c.del(`${N}/floatingips/${id}`)).status).toBe(204);
    expectFault(await c.get(`${N}/floatingips/${id}`), 404, 'itemNotFound');
  });

  it('allocates a requested address, refuses a taken one (409) and a non-pool network (400)', async () => {
    const c = client(ctx.sim);
    const a = (await c.post(`${N}/floatingips`, { floatingip: { floating_ip_address: '203.0.113.200' } }))
      .body.floatingip;
    expect(a.floating_ip_address).toBe('203.0.113.200');
    expectFault(
      await c.post(`${N}/floatingips`, { floatingip: { floating_ip_address: '203.0.113.200' } }),
      409,
      'conflict',
    );
    const n = await network();
    expectFault(
      await c.post(`${N}/floatingips`, { floatingip: { floating_network_id: n.id } }),
      400,
      'badRequest',
    );
    expectFault(await c.put(`${N}/floatingips/${a.id}`, { floatingip: {} }), 501, 'notImplemented');
    expect(
      (await c.post(`${N}/floatingips/${a.id}/action`, { reassign: { project: c.projectId } })).status,
    ).toBe(200);
  });

  it('is also reachable through the compute /os-floating-ips API', async () => {
    const c = client(ctx.sim);
    const r = await c.raw('POST', `${C}/os-floating-ips`);
    expect(r.status).toBe(200);
    expect(r.body.floating_ip).toMatchObject({
      ip: expect.any(String),
      instance_id: null,
      fixed_ip: null,
      pool: '1',
    });
    const id = r.body.floating_ip.id;
    expect(
      (await c.get(`${C}/os-floating-ips`)).body.floating_ips.map((f: { id: number }) => f.id),
    ).toContain(id);
    expect((await c.del(`${C}/os-floating-ips/${id}`)).status).toBe(204);
  });
});
