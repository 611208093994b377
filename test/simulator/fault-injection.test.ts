// Test hooks for callers: injected faults (before or after the real handler, delayed, dropped,
// counted, by regex), the same over HTTP under /_simulator, snapshot() and the request log.
import { describe, expect, it } from 'vitest';
import { activeServer, C, client, expectFault, N, useSimulator } from './helpers.js';

const internalErrors: unknown[] = [];
const ctx = useSimulator({ onError: (err) => internalErrors.push(err) });

describe('injectFault', () => {
  it('fails the next matching request once with the status and Synnefo body, then recovers', async () => {
    const c = client(ctx.sim);
    ctx.sim.injectFault({ method: 'POST', path: '/networks', status: 503 });
    expectFault(
      await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } }),
      503,
      'serviceUnavailable',
    );
    expect((await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } })).status).toBe(201);
  });

  it('does not change state when failing before the handler', async () => {
    const c = client(ctx.sim);
    const before = ctx.sim.snapshot().users[c.userId]!.networks.length;
    ctx.sim.injectFault({ path: '/networks', method: 'POST', status: 500, body: { custom: true } });
    const r = await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } });
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ custom: true });
    expect(ctx.sim.snapshot().users[c.userId]!.networks).toHaveLength(before);
  });

  it('with after: true runs the handler (state changes) and loses the reply', async () => {
    const c = client(ctx.sim);
    const before = ctx.sim.snapshot().users[c.userId]!.networks.length;
    ctx.sim.injectFault({ path: '/networks', method: 'POST', status: 504, after: true });
    expect((await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } })).status).toBe(504);
    expect(ctx.sim.snapshot().users[c.userId]!.networks).toHaveLength(before + 1);
  });

  it('matches by RegExp, counts `times`, ignores other methods, and clears', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    ctx.sim.injectFault({ path: /^\/servers\/\d+$/, method: 'GET', status: 500, times: 2 });
    expect((await c.get(`${C}/servers/${id}`)).status).toBe(500);
    expect((await c.get(`${C}/servers/${id}/metadata`)).status).toBe(200);
    expect((await c.get(`${C}/servers/${id}`)).status).toBe(500);
    expect((await c.get(`${C}/servers/${id}`)).status).toBe(200);
    ctx.sim.injectFault({ path: '/flavors', status: 503, times: -1 });
    expect((await c.get(`${C}/flavors`)).status).toBe(503);
    expect((await c.get(`${C}/flavors`)).status).toBe(503);
    ctx.sim.clearFaults();
    expect((await c.get(`${C}/flavors`)).status).toBe(200);
  });

  it('delays a reply by delayMs', async () => {
    const c = client(ctx.sim);
    ctx.sim.injectFault({ path: '/flavors', status: 503, delayMs: 150 });
    const t0 = Date.now();
    expect((await c.get(`${C}/flavors`)).status).toBe(503);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('answers 500 (and keeps running) when an injected body cannot be serialized', async () => {
    const c = client(ctx.sim);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    ctx.sim.injectFault({ path: '/flavors', status: 418, body: cyclic });
    expectFault(await c.get(`${C}/flavors`), 500, 'internalServerError');
    expect(internalErrors).toHaveLength(1);
    expect((await c.get(`${C}/flavors`)).status).toBe(200);
  });

  it('drops the connection with drop: true', async () => {
    const c = client(ctx.sim);
    ctx.sim.injectFault({ path: '/flavors', status: 0, drop: true });
    await expect(c.get(`${C}/flavors`)).rejects.toThrow();
    expect(ctx.sim.requestLog.at(-1)).toEqual({ method: 'GET', path: `${C}/flavors`, status: 0 });
    expect((await c.get(`${C}/flavors`)).status).toBe(200);
  });
});

describe('operator endpoints under /_simulator', () => {
  const admin = (path: string, init?: RequestInit) => fetch(`${ctx.sim.url}/_simulator${path}`, init);

  it('injects, lists and clears faults over HTTP', async () => {
    const c = client(ctx.sim);
    const post = await admin('/faults', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ method: 'GET', pathRegex: '^/flavors/\\d+$', status: 409, times: 1 }),
    });
    expect(post.status).toBe(201);
    expect(((await (await admin('/faults')).json()) as { faults: unknown[] }).faults).toHaveLength(1);
    expectFault(await c.get(`${C}/flavors/1`), 409, 'conflict');
    expect((await c.get(`${C}/flavors/1`)).status).toBe(200);
    await admin('/faults', {
      method: 'POST',
      body: JSON.stringify({ path: '/flavors', status: 500, times: -1 }),
    });
    expect((await admin('/faults', { method: 'DELETE' })).status).toBe(204);
    expect((await c.get(`${C}/flavors`)).status).toBe(200);
  });

  it('rejects malformed fault descriptions with 400', async () => {
    const bad = await admin('/faults', { method: 'POST', body: JSON.stringify({ status: 500 }) });
    expect(bad.status).toBe(400);
    const regex = await admin('/faults', {
      method: 'POST',
      body: JSON.stringify({ pathRegex: '(', status: 500 }),
    });
    expect(regex.status).toBe(400);
    expect((await admin('/faults', { method: 'POST', body: '{' })).status).toBe(400);
  });

  it('dumps state and the request log without tokens; makes builds fail', async () => {
    const c = client(ctx.sim);
    const state = (await (await admin('/state')).json()) as { users: Record<string, { servers: unknown[] }> };
    expect(state.users[c.userId]).toBeDefined();
    const index = await (await admin('')).text();
    const log = await (await admin('/requests')).text();
    for (const u of ctx.sim.users) {
      expect(index).not.toContain(u.token);
      expect(log).not.toContain(u.token);
      expect(JSON.stringify(state)).not.toContain(u.token);
    }
    expect((await admin('/fail-builds', { method: 'POST', body: '{"times":1}' })).status).toBe(200);
    const r = await c.post(`${C}/servers`, {
      server: { name: 'f', imageRef: (await c.get(`${C}/images`)).body.images[0].id, flavorRef: 1 },
    });
    expect((await admin('/settle', { method: 'POST' })).status).toBe(204);
    expect((await c.get(`${C}/servers/${r.body.server.id}`)).body.server.status).toBe('ERROR');
    expect((await admin('/nope')).status).toBe(404);
    expect((await admin('/state', { method: 'POST' })).status).toBe(405);
  });
});

describe('snapshot', () => {
  it('lists live resources per user and reflects deletions', async () => {
    const c = client(ctx.sim, 1);
    const net = (await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } })).body.network;
    await c.post(`${N}/subnets`, { subnet: { network_id: net.id, cidr: '10.0.0.0/24' } });
    const id = await activeServer(ctx.sim, c, { networks: [{ uuid: net.id }] });
    const fip = (await c.post(`${N}/floatingips`, { floatingip: {} })).body.floatingip;
    await c.post(`${C}/os-keypairs`, { keypair: { name: 'k' } });
    let snap = ctx.sim.snapshot().users[c.userId]!;
    expect(snap.servers.map((s) => s.id)).toEqual([id]);
    expect(snap.networks).toHaveLength(1);
    expect(snap.subnets).toHaveLength(1);
    expect(snap.ports).toHaveLength(1);
    expect(snap.floatingIps).toHaveLength(1);
    expect(snap.volumes).toHaveLength(1);
    expect(snap.keypairs.map((k) => k.name)).toEqual(['k']);
    await c.del(`${C}/servers/${id}`);
    await c.del(`${N}/floatingips/${fip.id}`);
    await c.del(`${C}/os-keypairs/k`);
    await ctx.sim.settle();
    await c.del(`${N}/networks/${net.id}`);
    snap = ctx.sim.snapshot().users[c.userId]!;
    expect(snap).toMatchObject({
      servers: [],
      networks: [],
      subnets: [],
      ports: [],
      floatingIps: [],
      volumes: [],
      keypairs: [],
    });
    expect(JSON.parse(JSON.stringify(ctx.sim.snapshot()))).toEqual(ctx.sim.snapshot());
  });
});
