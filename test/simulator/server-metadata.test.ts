// Server metadata ({"meta": …} for one item, 201s, the 10-item limit as a 400) and tags
// (statuses, bare 404s and tag-status headers on per-tag routes).
import { describe, expect, it } from 'vitest';
import { activeServer, C, client, expectFault, useSimulator } from './helpers.js';

const ctx = useSimulator();

describe('server metadata', () => {
  it('lists, merges (201 with all items), reads and writes one item as {"meta": …}, deletes (204)', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c, { metadata: { os: 'debian' } });
    const m = `${C}/servers/${id}/metadata`;
    expect((await c.get(m)).body).toEqual({ metadata: { os: 'debian' } });
    const merged = await c.post(m, { metadata: { users: 'root' } });
    expect(merged.status).toBe(201);
    expect(merged.body).toEqual({ metadata: { os: 'debian', users: 'root' } });
    expect((await c.get(`${m}/os`)).body).toEqual({ meta: { os: 'debian' } });
    const put = await c.put(`${m}/role`, { meta: { role: 'web' } });
    expect(put.status).toBe(201);
    expect(put.body).toEqual({ meta: { role: 'web' } });
    expect((await c.del(`${m}/role`)).status).toBe(204);
    expectFault(await c.get(`${m}/role`), 404, 'itemNotFound');
    expectFault(await c.del(`${m}/role`), 404, 'itemNotFound');
  });

  it('refuses {"metadata": …} on an item URL and a key that differs from the URL', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    const m = `${C}/servers/${id}/metadata`;
    expectFault(await c.put(`${m}/a`, { metadata: { a: '1' } }), 400, 'badRequest');
    expectFault(await c.put(`${m}/a`, { meta: { b: '1' } }), 400, 'badRequest');
    expectFault(await c.put(`${m}/a`, { meta: { a: '1', b: '2' } }), 400, 'badRequest');
  });

  it('allows at most 10 items, answering 400 (not 413)', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    const m = `${C}/servers/${id}/metadata`;
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v']));
    expect((await c.post(m, { metadata: ten })).status).toBe(201);
    expectFault(await c.put(`${m}/extra`, { meta: { extra: 'v' } }), 400, 'badRequest');
    expectFault(await c.post(m, { metadata: { extra: 'v' } }), 400, 'badRequest');
    expect((await c.put(`${m}/k0`, { meta: { k0: 'changed' } })).status).toBe(201);
  });
});

describe('server tags', () => {
  it('replaces (200), lists with statuses, and deletes all (204, then 404)', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    const t = `${C}/servers/${id}/tags`;
    const put = await c.put(t, { tags: ['web', 'prod'] });
    expect(put.status).toBe(200);
    expect((await c.get(t)).body).toEqual({ tags: ['web', 'prod'], statuses: ['ACTIVE', 'ACTIVE'] });
    expect((await c.del(t)).status).toBe(204);
    expectFault(await c.del(t), 404, 'itemNotFound');
    expectFault(await c.put(t, { tags: ['bad,tag'] }), 400, 'badRequest');
  });

  it('adds one tag (201 + Location, 204 when present), checks it (204 + tag-status), bare 404 when absent', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    const t = `${C}/servers/${id}/tags`;
    const add = await c.raw('PUT', `${t}/blue`);
    expect(add.status).toBe(201);
    expect(add.headers.get('location')).toBe(`${ctx.sim.url}${t}/blue`);
    expect((await c.raw('PUT', `${t}/blue`)).status).toBe(204);
    const check = await c.get(`${t}/blue`);
    expect(check.status).toBe(204);
    expect(check.headers.get('tag-status')).toBe('ACTIVE');
    const missing = await c.get(`${t}/red`);
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('');
    expect((await c.del(`${t}/blue`)).status).toBe(204);
    expect((await c.del(`${t}/blue`)).text).toBe('');
  });
});
