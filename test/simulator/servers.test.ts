// Compute servers: create (202, BUILD, adminPass), list brief/detail, show, changes-since (304 and
// deleted servers), rename, delete with its DESTROYING task and its effect on ports and volumes,
// and the create-time validation Synnefo does.
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import { activeServer, anImage, C, client, clockTick, expectFault, N, useSimulator, V } from './helpers.js';

const ctx = useSimulator();

describe('server create', () => {
  it('answers 202 with the server in BUILD, progress 0 and a generated adminPass', async () => {
    const c = client(ctx.sim);
    const image = await anImage(c);
    const r = await c.post(`${C}/servers`, {
      server: { name: 'web', imageRef: image, flavorRef: '1', metadata: { os: 'debian' }, tags: ['a'] },
    });
    expect(r.status).toBe(202);
    const s = r.body.server;
    expect(s).toMatchObject({
      name: 'web',
      status: 'BUILD',
      'SNF:task_state': 'BUILDING',
      progress: 0,
      user_id: c.userId,
      tenant_id: c.projectId,
      flavor: { id: 1 },
      image: { id: image },
      metadata: { os: 'debian' },
      tags: ['a'],
      attachments: [],
      addresses: {},
      deleted: false,
      suspended: false,
    });
    expect(typeof s.id).toBe('number');
    expect(s.adminPass).toMatch(/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{10,}$/);
    expect(s.links).toEqual([
      { rel: 'self', href: `${ctx.sim.url}${C}/servers/${s.id}` },
      { rel: 'bookmark', href: `${ctx.sim.url}${C}/servers/${s.id}` },
    ]);
    expect(s.image.links[2]).toEqual({ rel: 'alternate', href: `${ctx.sim.url}/image/v1.0/images/${image}` });
    expect(s.volumes).toHaveLength(1);
    expect((await c.get(`${C}/servers/${s.id}/password`)).body).toEqual({ password: s.adminPass });
  });

  it('reaches ACTIVE with progress 100 when the build job ends', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    const s = (await c.get(`${C}/servers/${id}`)).body.server;
    expect(s).toMatchObject({ status: 'ACTIVE', 'SNF:task_state': '', progress: 100 });
    const root = (await c.get(`${V}/volumes/${s.volumes[0]}`)).body.volume;
    expect(root).toMatchObject({ status: 'in_use', size: 20, volume_type: 1 });
    expect(root.attachments).toEqual([{ server_id: id, volume_id: s.volumes[0], device_index: 0 }]);
  });

  it('validates the request like Synnefo', async () => {
    const c = client(ctx.sim);
    const image = await anImage(c);
    const base = { name: 'x', imageRef: image, flavorRef: 1 };
    const create = (over: Record<string, unknown>) =>
      c.post(`${C}/servers`, { server: { ...base, ...over } });
    expectFault(await create({ name: undefined }), 400, 'badRequest', 'Malformed request');
    expectFault(await create({ name: 'n'.repeat(256) }), 400, 'badRequest', 'Server name is too long');
    expectFault(await create({ flavorRef: 'abc' }), 400, 'badRequest', /Invalid flavor ID/);
    expectFault(await create({ flavorRef: 99999 }), 404, 'itemNotFound', 'Flavor not found.');
    expectFault(await create({ imageRef: 'nope' }), 404, 'itemNotFound', "Image 'nope' not found");
    const flavors = (await c.get(`${C}/flavors/detail`)).body.flavors;
    const legacy = flavors.find((f: { 'SNF:allow_create': boolean }) => !f['SNF:allow_create']);
    expectFault(await create({ flavorRef: legacy.id }), 403, 'forbidden');
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expectFault(await create({ metadata: eleven }), 400, 'badRequest');
    expectFault(await create({ metadata: { a: 1 } }), 400, 'badRequest');
    expectFault(await create({ adminPass: 'short' }), 400, 'badRequest', /Invalid password/);
    expectFault(await create({ key_name: 'k', 'SNF:key_names': ['k'] }), 400, 'badRequest');
    expectFault(await create({ key_name: 'missing' }), 404, 'itemNotFound');
    expectFault(await create({ tags: ['a/b'] }), 400, 'badRequest');
  });

  it('enforces personality limits: 413 for too many or too large files, 400 when malformed', async () => {
    const c = client(ctx.sim);
    const image = await anImage(c);
    const create = (personality: unknown) =>
      c.post(`${C}/servers`, { server: { name: 'p', imageRef: image, flavorRef: 1, personality } });
    const file = { path: '/etc/motd', contents: Buffer.from('hi').toString('base64') };
    expectFault(
      await create(Array(6).fill(file)),
      413,
      'overLimit',
      'Maximum number of personalities exceeded',
    );
    const huge = { path: '/x', contents: Buffer.alloc(10241).toString('base64') };
    expectFault(await create([huge]), 413, 'overLimit', 'Maximum size of personality exceeded');
    expectFault(
      await create([{ path: '/x', contents: 'aGk=', extra: 1 }]),
      400,
      'badRequest',
      'Malformed personality in request',
    );
    expect((await create([file])).status).toBe(202);
  });

  it('connects requested networks: private → new port, public → one of the user floating IPs', async () => {
    const c = client(ctx.sim);
    const image = await anImage(c);
    const net = (await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED', name: 'n' } })).body
      .network;
    await c.post(`${N}/subnets`, { subnet: { network_id: net.id, cidr: '10.9.0.0/24' } });
    const create = (networks: unknown) =>
      c.post(`${C}/servers`, { server: { name: 'n', imageRef: image, flavorRef: 1, networks } });
    expectFault(await create([{ uuid: '1' }]), 409, 'conflict', /Please create a floating IP/);
    const fip = (await c.post(`${N}/floatingips`, { floatingip: { floating_network_id: '1' } })).body
      .floatingip;
    const r = await create([{ uuid: net.id }, { uuid: '1' }]);
    expect(r.status).toBe(202);
    expect(r.body.server.attachments).toEqual([]);
    await ctx.sim.settle();
    const s = (await c.get(`${C}/servers/${r.body.server.id}`)).body.server;
    expect(s.attachments).toHaveLength(2);
    expect(s.addresses[net.id]).toEqual([{ version: 4, addr: '10.9.0.2', 'OS-EXT-IPS:type': 'fixed' }]);
    expect(s.addresses['1']).toEqual([
      { version: 4, addr: fip.floating_ip_address, 'OS-EXT-IPS:type': 'floating' },
    ]);
    const used = (await c.get(`${N}/floatingips/${fip.id}`)).body.floatingip;
    expect(used.instance_id).toBe(String(s.id));
    expectFault(await create([{ uuid: '1', fixed_ip: fip.floating_ip_address }]), 409, 'conflict');
    expectFault(await create([{}]), 400, 'badRequest');
    expectFault(await create(Array(9).fill({ uuid: net.id })), 400, 'badRequest');
    expectFault(await create([{ uuid: '999999' }]), 404, 'itemNotFound');
  });

  it('refuses, before creating anything, a server whose private NICs would exhaust the subnet (409)', async () => {
    const c = client(ctx.sim);
    const image = await anImage(c);
    const net = (await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } })).body.network;
    await c.post(`${N}/subnets`, { subnet: { network_id: net.id, cidr: '10.8.0.0/29' } }); // 5 free addresses
    const before = ctx.sim.snapshot().users[c.userId]!;
    const r = await c.post(`${C}/servers`, {
      server: { name: 'big', imageRef: image, flavorRef: 1, networks: Array(6).fill({ uuid: net.id }) },
    });
    expectFault(r, 409, 'conflict', `No more IP addresses available on network ${net.id}`);
    const after = ctx.sim.snapshot().users[c.userId]!;
    expect(after.servers).toHaveLength(before.servers.length);
    expect(after.ports).toHaveLength(before.ports.length);
    expect(after.volumes).toHaveLength(before.volumes.length);
  });

  it('creates extra volumes from block_device_mapping_v2', async () => {
    const c = client(ctx.sim);
    const image = await anImage(c);
    const flavors = (await c.get(`${C}/flavors/detail`)).body.flavors;
    const archipelago = flavors.find(
      (f: { 'SNF:disk_template': string }) => f['SNF:disk_template'] === 'ext_archipelago',
    );
    const vol = (await c.post(`${V}/volumes`, { volume: { size: 3, display_name: 'd', volume_type: 2 } }))
      .body.volume;
    const r = await c.post(`${C}/servers`, {
      server: {
        name: 'b',
        imageRef: image,
        flavorRef: archipelago.id,
        block_device_mapping_v2: [
          { source_type: 'image', uuid: image, volume_size: 30 },
          { source_type: 'blank', volume_size: 5 },
          { source_type: 'volume', uuid: vol.id },
        ],
      },
    });
    expect(r.status).toBe(202);
    await ctx.sim.settle();
    const s = (await c.get(`${C}/servers/${r.body.server.id}`)).body.server;
    expect(s.volumes).toHaveLength(3);
    const sizes = await Promise.all(
      s.volumes.map(async (v: number) => (await c.get(`${V}/volumes/${v}`)).body.volume.size),
    );
    expect(sizes.sort((a: number, b: number) => a - b)).toEqual([3, 5, 30]);
    const blankRoot = await c.post(`${C}/servers`, {
      server: {
        name: 'b',
        imageRef: image,
        flavorRef: 1,
        block_device_mapping_v2: [{ source_type: 'blank', volume_size: 1 }],
      },
    });
    expectFault(blankRoot, 400, 'badRequest', 'Root volume cannot be blank');
  });
});

describe('server list and show', () => {
  it('lists brief entries and detailed ones, only the user own', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c, { name: 'listed' });
    const brief = (await c.get(`${C}/servers`)).body.servers;
    expect(brief.find((s: { id: number }) => s.id === id)).toEqual({
      id,
      name: 'listed',
      links: expect.any(Array),
    });
    const detail = (await c.get(`${C}/servers/detail`)).body.servers;
    expect(detail.find((s: { id: number }) => s.id === id).status).toBe('ACTIVE');
    const other = client(ctx.sim, 1);
    expect((await other.get(`${C}/servers`)).body.servers.map((s: { id: number }) => s.id)).not.toContain(id);
  });

  it('answers 404 "Server not found." for a missing server', async () => {
    expectFault(await client(ctx.sim).get(`${C}/servers/424242`), 404, 'itemNotFound', 'Server not found.');
  });
});

describe('changes-since', () => {
  it('returns changed servers including deleted ones, and 304 when nothing changed', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    await clockTick();
    const since = new Date().toISOString();
    await clockTick();
    const none = await c.get(`${C}/servers/detail?changes-since=${since}`);
    expect(none.status).toBe(304);
    expect(none.text).toBe('');
    expect((await c.del(`${C}/servers/${id}`)).status).toBe(204);
    await ctx.sim.settle();
    const changed = await c.get(`${C}/servers/detail?changes-since=${encodeURIComponent(since)}`);
    expect(changed.status).toBe(200);
    expect(changed.body.servers).toEqual([expect.objectContaining({ id, status: 'DELETED', deleted: true })]);
    expect((await c.get(`${C}/servers`)).body.servers.map((s: { id: number }) => s.id)).not.toContain(id);
  });

  it('rejects bad, future and too old values with distinct 400 messages', async () => {
    const c = client(ctx.sim);
    const q = (v: string) => c.get(`${C}/servers?changes-since=${encodeURIComponent(v)}`);
    expectFault(await q('yesterday'), 400, 'badRequest', 'Invalid changes-since parameter.');
    expectFault(
      await q(new Date(Date.now() + 60_000).toISOString()),
      400,
      'badRequest',
      'changes-since value set in the future.',
    );
    expectFault(
      await q(new Date(Date.now() - 7200_000).toISOString()),
      400,
      'badRequest',
      'Too old changes-since value.',
    );
  });
});

describe('rename and delete', () => {
  it('renames with PUT → 204 and rejects bad names', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    const r = await c.put(`${C}/servers/${id}`, { server: { name: 'renamed' } });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect((await c.get(`${C}/servers/${id}`)).body.server.name).toBe('renamed');
    expectFault(await c.put(`${C}/servers/${id}`, { server: {} }), 400, 'badRequest', 'Malformed request');
    expectFault(await c.put(`${C}/servers/${id}`, { server: { name: 'x'.repeat(256) } }), 400, 'badRequest');
  });

  it('deletes with 204; the server keeps its status with DESTROYING until the job ends', async () => {
    const sim = await startSimulator({ delayMs: 0 });
    try {
      const c = client(sim);
      const net = (await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } })).body.network;
      const id = await activeServer(sim, c, { networks: [{ uuid: net.id }] });
      sim.holdJobs(['destroy']); // until released, however long the GET below takes
      expect((await c.del(`${C}/servers/${id}`)).status).toBe(204);
      const during = (await c.get(`${C}/servers/${id}`)).body.server;
      expect(during).toMatchObject({ status: 'ACTIVE', 'SNF:task_state': 'DESTROYING' });
      sim.releaseJobs('destroy');
      await sim.settle();
      const after = (await c.get(`${C}/servers/${id}`)).body.server;
      expect(after).toMatchObject({ status: 'DELETED', deleted: true, 'SNF:task_state': '' });
      expect((await c.get(`${N}/ports`)).body.ports).toEqual([]);
      const root = (await c.get(`${V}/volumes/${after.volumes[0] ?? during.volumes[0]}`)).body.volume;
      expect(root).toMatchObject({ status: 'deleted', deleted: true });
      expectFault(await c.del(`${C}/servers/${id}`), 400, 'badRequest', 'Server has been deleted.');
      expectFault(await c.put(`${C}/servers/${id}`, { server: { name: 'z' } }), 400, 'badRequest');
      expect(sim.snapshot().users[c.userId]!.servers).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  it('answers 404 when deleting a missing server', async () => {
    expectFault(await client(ctx.sim).del(`${C}/servers/999999`), 404, 'itemNotFound');
  });
});

describe('server sub-resources', () => {
  it('shows addresses by network id and one network', async () => {
    const c = client(ctx.sim);
    const net = (await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } })).body.network;
    await c.post(`${N}/subnets`, { subnet: { network_id: net.id, cidr: '10.7.0.0/29' } });
    const id = await activeServer(ctx.sim, c, { networks: [{ uuid: net.id }] });
    const ips = (await c.get(`${C}/servers/${id}/ips`)).body;
    expect(ips.addresses).toEqual({
      [net.id]: [{ version: 4, addr: '10.7.0.2', 'OS-EXT-IPS:type': 'fixed' }],
    });
    expect(ips.attachments[0]).toMatchObject({ network_id: net.id, ipv4: '10.7.0.2', ipv6: '' });
    const one = (await c.get(`${C}/servers/${id}/ips/${net.id}`)).body;
    expect(one).toEqual({
      network: { [net.id]: [{ version: 4, addr: '10.7.0.2', 'OS-EXT-IPS:type': 'fixed' }] },
    });
    expectFault(await c.get(`${C}/servers/${id}/ips/1`), 404, 'itemNotFound');
  });

  it('serves stats, diagnostics and the password (deletable)', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    expect((await c.get(`${C}/servers/${id}/stats`)).body.stats.serverRef).toBe(id);
    expect((await c.get(`${C}/servers/${id}/diagnostics`)).body).toEqual([]);
    expect((await c.del(`${C}/servers/${id}/password`)).status).toBe(204);
    expectFault(await c.get(`${C}/servers/${id}/password`), 404, 'itemNotFound');
  });
});
