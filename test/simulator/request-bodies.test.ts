// Bad input gets Synnefo's answers: Content-Type checks, undecodable JSON, wrong types, oversize
// bodies (413), and keys like __proto__ that must never reach an object prototype.
import { describe, expect, it } from 'vitest';
import { activeServer, C, client, expectFault, N, useSimulator } from './helpers.js';

const ctx = useSimulator();

describe('request bodies', () => {
  it('needs a Content-Type: 400 "Missing Content-Type header field"', async () => {
    const r = await client(ctx.sim).raw('POST', `${N}/networks`, { body: '{}' });
    // fetch adds text/plain for string bodies; send a Buffer to omit the header entirely.
    const bare = await client(ctx.sim).raw('POST', `${N}/networks`, { body: Buffer.from('{}') });
    expectFault(bare, 400, 'badRequest', 'Missing Content-Type header field');
    expectFault(r, 400, 'badRequest', "Unsupported Content-type: 'text/plain;charset=UTF-8'");
  });

  it('answers 400 "Could not decode request body as JSON" for malformed JSON', async () => {
    const r = await client(ctx.sim).raw('POST', `${C}/servers`, {
      body: '{"server": ',
      headers: { 'Content-Type': 'application/json' },
    });
    expectFault(r, 400, 'badRequest', 'Could not decode request body as JSON');
  });

  it('answers 400 Malformed request for wrong types', async () => {
    const c = client(ctx.sim);
    expectFault(await c.post(`${C}/servers`, []), 400, 'badRequest', 'Malformed request');
    expectFault(await c.post(`${C}/servers`, { server: 'x' }), 400, 'badRequest', 'Malformed request');
    expectFault(
      await c.post(`${C}/servers`, { server: { name: 5, imageRef: 'x', flavorRef: 1 } }),
      400,
      'badRequest',
    );
    expectFault(await c.post(`${N}/networks`, { network: { type: 7 } }), 400, 'badRequest', /Invalid 'type'/);
    expectFault(
      await c.post(`${N}/networks`, { network: null }),
      400,
      'badRequest',
      /Missing attribute 'network'/,
    );
  });

  it('answers 413 for a body over 1 MiB (declared length and chunked)', async () => {
    const c = client(ctx.sim);
    const big = JSON.stringify({ network: { type: 'MAC_FILTERED', name: 'x'.repeat(1_100_000) } });
    expectFault(
      await c.raw('POST', `${N}/networks`, { body: big, headers: { 'Content-Type': 'application/json' } }),
      413,
      'overLimit',
    );
    const stream = new ReadableStream({
      start(ctl) {
        for (let i = 0; i < 20; i++) ctl.enqueue(new Uint8Array(64 * 1024));
        ctl.close();
      },
    });
    const r = await fetch(`${ctx.sim.url}${N}/networks`, {
      method: 'POST',
      headers: { 'X-Auth-Token': c.token, 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(r.status).toBe(413);
    // The simulator still answers normally afterwards.
    expect((await c.get(`${N}/networks`)).status).toBe(200);
  });

  it('stores "__proto__" and "constructor" as plain metadata keys without polluting prototypes', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    const r = await c.raw('POST', `${C}/servers/${id}/metadata`, {
      body: '{"metadata": {"__proto__": "x", "constructor": "y"}}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body.metadata).sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect((await c.get(`${C}/servers/${id}/metadata/constructor`)).body).toEqual({
      meta: { constructor: 'y' },
    });
    expectFault(await c.get(`${C}/servers/${id}/metadata/toString`), 404, 'itemNotFound');
  });

  it('caps free-text fields and nested lists so that stored objects stay small and flat', async () => {
    const c = client(ctx.sim);
    const long = 'x'.repeat(256);
    expectFault(
      await c.post('/volume/v2.0/volumes', { volume: { size: 1, display_name: long, volume_type: 2 } }),
      400,
      'badRequest',
    );
    expectFault(
      await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED', name: 'x'.repeat(2000) } }),
      400,
      'badRequest',
    );
    const net = (await c.post(`${N}/networks`, { network: { type: 'MAC_FILTERED' } })).body.network;
    const deep = `${'['.repeat(50_000)}"x"${']'.repeat(50_000)}`;
    const r = await c.raw('POST', `${N}/subnets`, {
      body: `{"subnet": {"network_id": "${net.id}", "cidr": "10.0.0.0/24", "host_routes": [${deep}]}}`,
      headers: { 'Content-Type': 'application/json' },
    });
    expectFault(r, 400, 'badRequest', "Malformed request. Invalid 'host_routes' field");
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expectFault(
      await c.post('/volume/v2.0/volumes', {
        volume: { size: 1, display_name: 'm', volume_type: 2, metadata: eleven },
      }),
      400,
      'badRequest',
    );
  });
});
