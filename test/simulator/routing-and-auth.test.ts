// Request gate: the check order (method → token → handler), Synnefo's 401 bodies, unknown
// endpoints (400), wrong methods (405 + Allow, bare on volume/image URLs) and URL variants.
import { describe, expect, it } from 'vitest';
import { activeServer, C, client, expectFault, N, useSimulator, V } from './helpers.js';

const ctx = useSimulator();

describe('authentication', () => {
  it('answers 401 unauthorized without a token', async () => {
    const r = await client(ctx.sim).raw('GET', `${C}/servers`, { headers: { 'X-Auth-Token': '' } });
    expectFault(r, 401, 'unauthorized', 'Access denied. No authentication token');
  });

  it('answers 401 with the `fault` key for an unknown token, Astakos body in details', async () => {
    const r = await client(ctx.sim).raw('GET', `${C}/servers`, { headers: { 'X-Auth-Token': 'bogus' } });
    expectFault(r, 401, 'fault');
    expect(JSON.parse(r.body.fault.details)).toEqual({
      unauthorized: { code: 401, message: 'Invalid token', details: '' },
    });
  });

  it('accepts the token as the X-Auth-Token query parameter', async () => {
    const u = ctx.sim.users[0]!;
    const r = await fetch(`${ctx.sim.url}${C}/flavors?X-Auth-Token=${u.token}`);
    expect(r.status).toBe(200);
    expect(ctx.sim.requestLog.at(-1)).toEqual({ method: 'GET', path: `${C}/flavors`, status: 200 });
  });

  it('checks the method before the token: 405 without a token', async () => {
    const r = await fetch(`${ctx.sim.url}${C}/flavors`, { method: 'DELETE' });
    expect(r.status).toBe(405);
  });

  it('sends JSON with Vary: X-Auth-Token', async () => {
    const r = await client(ctx.sim).get(`${C}/flavors`);
    expect(r.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(r.headers.get('vary')).toBe('X-Auth-Token');
  });
});

describe('routing', () => {
  it('answers 400 "API endpoint not found" for unknown paths, under a root or not', async () => {
    const c = client(ctx.sim);
    for (const p of [
      `${C}/nothing`,
      `${C}/servers/abc`,
      `${C}`,
      '/',
      '/compute/v3/servers',
      `${N}/servers`,
    ]) {
      expectFault(await c.get(p), 400, 'badRequest', 'API endpoint not found');
    }
  });

  it('treats a trailing slash after a server id as an unknown endpoint but accepts it on lists', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    expectFault(await c.get(`${C}/servers/${id}/`), 400, 'badRequest', 'API endpoint not found');
    expect((await c.get(`${C}/servers/`)).status).toBe(200);
    expect((await c.get(`${C}/servers.json`)).status).toBe(200);
    expect((await c.get(`${C}/servers/${id}.json`)).body.server.id).toBe(id);
  });

  it('accepts a trailing slash on network URLs', async () => {
    const c = client(ctx.sim);
    expect((await c.get(`${N}/networks/`)).status).toBe(200);
    expect((await c.get(`${N}/networks/1/`)).body.network.id).toBe('1');
  });

  it('answers 405 notAllowed with Allow on compute and network URLs', async () => {
    const c = client(ctx.sim);
    const r = await c.raw('PATCH', `${C}/servers`);
    expectFault(r, 405, 'notAllowed');
    expect(r.headers.get('allow')).toBe('GET, POST');
    const n = await c.raw('PATCH', `${N}/subnets/1`);
    expect(n.headers.get('allow')).toBe('DELETE, GET, PUT');
  });

  it('answers a bare 405 (no JSON) on volume and image URLs', async () => {
    const c = client(ctx.sim);
    for (const p of [`${V}/volumes`, '/image/v1.0/images']) {
      const r = await c.raw('PATCH', p);
      expect(r.status).toBe(405);
      expect(r.text).toBe('');
      expect(r.headers.get('allow')).toBeTruthy();
    }
  });

  it('ignores the query string when routing and never logs it', async () => {
    const c = client(ctx.sim);
    expect((await c.get(`${C}/flavors/1?foo=bar`)).body.flavor.id).toBe(1);
    expect(ctx.sim.requestLog.at(-1)!.path).toBe(`${C}/flavors/1`);
  });

  it('decodes percent-encoded path segments and rejects malformed ones as unknown', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    await c.put(`${C}/servers/${id}/metadata/a%20b`, { meta: { 'a b': 'x' } });
    expect((await c.get(`${C}/servers/${id}/metadata/a%20b`)).body).toEqual({ meta: { 'a b': 'x' } });
    expectFault(
      await c.get(`${C}/servers/${id}/metadata/%E0%A4%A`),
      400,
      'badRequest',
      'API endpoint not found',
    );
  });
});

describe('request log', () => {
  it('records method, path and status of recent requests and never the token', async () => {
    const c = client(ctx.sim);
    await c.get(`${C}/flavors/1`);
    await c.get(`${C}/flavors/99999`);
    const log = ctx.sim.requestLog;
    expect(log.slice(-2)).toEqual([
      { method: 'GET', path: `${C}/flavors/1`, status: 200 },
      { method: 'GET', path: `${C}/flavors/99999`, status: 404 },
    ]);
    const dump = JSON.stringify(log);
    for (const u of ctx.sim.users) expect(dump).not.toContain(u.token);
  });
});

describe('public base URL', () => {
  it('uses baseUrl in the catalog and links, and serves paths with or without its prefix', async () => {
    const { startSimulator } = await import('../../src/simulator/index.js');
    const sim = await startSimulator({
      delayMs: 0,
      tokens: ['t'],
      baseUrl: 'https://cloud.example.org/cyclades/',
    });
    try {
      const r = await fetch(`${sim.identityUrl}/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ auth: { token: { id: 't' } } }),
      });
      const access = (
        (await r.json()) as {
          access: { serviceCatalog: { type: string; endpoints: { publicURL: string }[] }[] };
        }
      ).access;
      const compute = access.serviceCatalog.find((s) => s.type === 'compute')!.endpoints[0]!.publicURL;
      expect(compute).toBe('https://cloud.example.org/cyclades/compute/v2.0');
      const c = client(sim);
      const direct = await c.get(`${C}/flavors/1`);
      expect(direct.body.flavor.links[0].href).toBe(
        'https://cloud.example.org/cyclades/compute/v2.0/flavors/1',
      );
      expect((await c.get(`/cyclades${C}/flavors/1`)).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
