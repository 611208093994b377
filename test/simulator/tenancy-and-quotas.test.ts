// Tenancy (another user's resource is a 404, never a 403) and quotas (413 overLimit with Synnefo's
// exact body; running servers hold cpu/ram, stopped ones free them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { activeServer, C, client, expectFault, N, useSimulator, V } from './helpers.js';

describe('tenancy', () => {
  const ctx = useSimulator();

  it("gives user B 404 itemNotFound on every kind of user A's resource", async () => {
    const a = client(ctx.sim, 0);
    const b = client(ctx.sim, 1);
    const server = await activeServer(ctx.sim, a);
    const net = (await a.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } })).body.network;
    const sub = (await a.post(`${N}/subnets`, { subnet: { network_id: net.id, cidr: '10.0.0.0/24' } })).body
      .subnet;
    const port = (await a.post(`${N}/ports`, { port: { network_id: net.id } })).body.port;
    const fip = (await a.post(`${N}/floatingips`, { floatingip: {} })).body.floatingip;
    const vol = (await a.post(`${V}/volumes`, { volume: { size: 1, display_name: 'v', volume_type: 2 } }))
      .body.volume;
    for (const path of [
      `${C}/servers/${server}`,
      `${C}/servers/${server}/metadata`,
      `${C}/servers/${server}/os-volume_attachments`,
      `${N}/networks/${net.id}`,
      `${N}/subnets/${sub.id}`,
      `${N}/ports/${port.id}`,
      `${N}/floatingips/${fip.id}`,
      `${V}/volumes/${vol.id}`,
    ]) {
      expectFault(await b.get(path), 404, 'itemNotFound');
    }
    expectFault(await b.post(`${C}/servers/${server}/action`, { shutdown: {} }), 404, 'itemNotFound');
    expectFault(await b.del(`${C}/servers/${server}`), 404, 'itemNotFound');
    expectFault(await b.put(`${C}/servers/${server}`, { server: { name: 'mine' } }), 404, 'itemNotFound');
    expectFault(await b.post(`${N}/ports`, { port: { network_id: net.id } }), 404, 'itemNotFound');
    expectFault(
      await b.post(`${N}/ports`, { port: { network_id: '1', device_id: server } }),
      404,
      'itemNotFound',
    );
    expectFault(await b.del(`${V}/volumes/${vol.id}`), 404, 'itemNotFound');
    // A's things are untouched.
    expect((await a.get(`${C}/servers/${server}`)).body.server.status).toBe('ACTIVE');
  });

  it('shows each user only their own lists (plus public networks)', async () => {
    const a = client(ctx.sim, 0);
    const b = client(ctx.sim, 1);
    await a.post(`${N}/networks`, { network: { type: 'MAC_FILTERED', name: 'a-only' } });
    const names = (await b.get(`${N}/networks`)).body.networks.map((n: { name: string }) => n.name);
    expect(names).not.toContain('a-only');
    expect(names).toContain('Public IPv4 Network');
  });
});

describe('quotas', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({
      delayMs: 0,
      quotas: {
        'cyclades.vm': 2,
        'cyclades.cpu': 2,
        'cyclades.floating_ip': 1,
        'cyclades.network.private': 1,
        'cyclades.disk': 50 * 1024 ** 3,
      },
    });
  });
  afterAll(() => sim.close());

  it('answers 413 overLimit with the exact Synnefo body when a quota would be exceeded', async () => {
    const c = client(sim);
    await c.post(`${N}/floatingips`, { floatingip: {} });
    const r = await c.post(`${N}/floatingips`, { floatingip: {} });
    expect(r.status).toBe(413);
    expect(r.body).toEqual({
      overLimit: {
        code: 413,
        message: 'Resource Limit Exceeded for your account.',
        details:
          "Limit for resource 'Floating IP address' exceeded for your account. Available: 0, Requested: 1",
      },
    });
    await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } });
    expectFault(await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } }), 413, 'overLimit');
    expectFault(
      await c.post(`${V}/volumes`, { volume: { size: 51, display_name: 'big', volume_type: 2 } }),
      413,
      'overLimit',
    );
  });

  it('counts VMs and running cpu: a stopped server frees cpu, starting it again needs it', async () => {
    const c = client(sim);
    const first = await activeServer(sim, c, { flavorRef: 1 });
    const second = await activeServer(sim, c, { flavorRef: 1 });
    const third = await c.post(`${C}/servers`, { server: { name: 'x', imageRef: 'x', flavorRef: 1 } });
    expectFault(third, 404, 'itemNotFound');
    const image = (await c.get(`${C}/images`)).body.images[0].id;
    const over = await c.post(`${C}/servers`, { server: { name: 'x', imageRef: image, flavorRef: 1 } });
    expect(over.status).toBe(413);
    expect(over.body.overLimit.details).toBe(
      "Limit for resource 'Virtual Machine' exceeded for your account. Available: 0, Requested: 1",
    );
    await c.post(`${C}/servers/${first}/action`, { shutdown: {} });
    await sim.settle();
    await c.post(`${C}/servers/${second}/action`, { shutdown: {} });
    await sim.settle();
    const quotas = (await c.get('/account/v1.0/quotas')).body[c.projectId];
    expect(quotas['cyclades.cpu'].usage).toBe(0);
    expect(quotas['cyclades.vm'].usage).toBe(2);
    expect((await c.post(`${C}/servers/${first}/action`, { start: {} })).status).toBe(202);
    expect((await c.post(`${C}/servers/${second}/action`, { start: {} })).status).toBe(202);
    await sim.settle();
    await c.del(`${C}/servers/${first}`);
    await sim.settle();
    expect((await c.get('/account/v1.0/quotas')).body[c.projectId]['cyclades.vm'].usage).toBe(1);
  });

  it('keeps quotas per user', async () => {
    const other = await startSimulator({
      delayMs: 0,
      tokens: ['a', 'b'],
      quotas: { 'cyclades.floating_ip': 1 },
    });
    try {
      expect((await client(other, 0).post(`${N}/floatingips`, { floatingip: {} })).status).toBe(200);
      expect((await client(other, 1).post(`${N}/floatingips`, { floatingip: {} })).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
