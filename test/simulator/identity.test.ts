// Astakos identity: both token request forms, the catalog with Synnefo's URL versioning quirk,
// public mode and the identity errors.
import { describe, expect, it } from 'vitest';
import { client, expectFault, useSimulator } from './helpers.js';

const ctx = useSimulator();

async function tokens(
  body: string | undefined,
  headers: Record<string, string> = { 'Content-Type': 'application/json' },
) {
  const r = await fetch(`${ctx.sim.identityUrl}/tokens`, { method: 'POST', body, headers });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}

describe('identity: POST /tokens', () => {
  it('authenticates with a token and returns token, tenant, user and catalog', async () => {
    const u = ctx.sim.users[0]!;
    const r = await tokens(JSON.stringify({ auth: { token: { id: u.token } } }));
    expect(r.status).toBe(200);
    const { access } = r.body;
    expect(access.token.id).toBe(u.token);
    expect(access.token.expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    expect(access.token.tenant).toEqual({ id: u.projectId, name: u.name });
    expect(access.user).toMatchObject({ id: u.userId, name: u.name, projects: [u.projectId] });
    expect(access.user.roles).toEqual([{ id: '1', name: 'default' }]);
  });

  it('authenticates with passwordCredentials (user id + token as password)', async () => {
    const u = ctx.sim.users[1]!;
    const r = await tokens(
      JSON.stringify({ auth: { passwordCredentials: { username: u.userId, password: u.token } } }),
    );
    expect(r.status).toBe(200);
    expect(r.body.access.user.id).toBe(u.userId);
  });

  it('lists compute with its version in publicURL and network/volume/image without', async () => {
    const u = ctx.sim.users[0]!;
    const r = await tokens(JSON.stringify({ auth: { token: { id: u.token } } }));
    const byType = Object.fromEntries(
      r.body.access.serviceCatalog.map(
        (s: { type: string; name: string; endpoints: { publicURL: string; versionId: string }[] }) => [
          s.type,
          { name: s.name, url: s.endpoints[0]!.publicURL, version: s.endpoints[0]!.versionId },
        ],
      ),
    );
    expect(byType.compute).toEqual({
      name: 'cyclades_compute',
      url: `${ctx.sim.url}/compute/v2.0`,
      version: 'v2.0',
    });
    expect(byType.network).toEqual({
      name: 'cyclades_network',
      url: `${ctx.sim.url}/network`,
      version: 'v2.0',
    });
    expect(byType.volume).toEqual({ name: 'cyclades_volume', url: `${ctx.sim.url}/volume`, version: 'v2.0' });
    expect(byType.image).toEqual({ name: 'cyclades_plankton', url: `${ctx.sim.url}/image`, version: 'v1.0' });
    expect(byType.identity.url).toBe(ctx.sim.identityUrl);
  });

  it('serves only versioned paths: the unversioned network publicURL is not routed', async () => {
    const c = client(ctx.sim);
    expectFault(await c.get('/network/networks'), 400, 'badRequest', 'API endpoint not found');
    expect((await c.get('/network/v2.0/networks')).status).toBe(200);
    expect((await c.get('/volume/v2/volumes')).status).toBe(200);
    expect((await c.get('/image/v1/images')).status).toBe(200);
  });

  it('answers an empty body with the public catalog only', async () => {
    const r = await tokens(undefined, {});
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.access)).toEqual(['serviceCatalog']);
  });

  it('rejects an unknown token with 401 unauthorized "Invalid token"', async () => {
    const r = await tokens(JSON.stringify({ auth: { token: { id: 'nope' } } }));
    expect(r.status).toBe(401);
    expect(r.body.unauthorized.message).toBe('Invalid token');
  });

  it('rejects wrong password credentials with 401 "Invalid credentials"', async () => {
    const u = ctx.sim.users[0]!;
    const r = await tokens(
      JSON.stringify({ auth: { passwordCredentials: { username: 'someone', password: u.token } } }),
    );
    expect(r.status).toBe(401);
    expect(r.body.unauthorized.message).toBe('Invalid credentials');
  });

  it('answers 400 for missing credentials, bad JSON and a foreign tenantName', async () => {
    expect((await tokens(JSON.stringify({ auth: {} }))).body.badRequest.message).toBe(
      'Malformed request: missing credentials',
    );
    expect((await tokens('{nope')).body.badRequest.message).toBe('Could not decode request body as JSON');
    const u = ctx.sim.users[0]!;
    const r = await tokens(JSON.stringify({ auth: { token: { id: u.token }, tenantName: 'other' } }));
    expect(r.status).toBe(400);
    expect(r.body.badRequest.message).toBe('Not conforming tenantName');
    const ok = await tokens(JSON.stringify({ auth: { token: { id: u.token }, tenantName: u.userId } }));
    expect(ok.status).toBe(200);
  });

  it('answers 405 with Allow: POST for other methods, without needing a token', async () => {
    const r = await fetch(`${ctx.sim.identityUrl}/tokens`);
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
    expect(((await r.json()) as { notAllowed: { code: number } }).notAllowed.code).toBe(405);
  });

  it('GET /tokens/{id} only knows OAuth2 tokens: 404', async () => {
    const r = await fetch(`${ctx.sim.identityUrl}/tokens/${ctx.sim.users[0]!.token}`);
    expect(r.status).toBe(404);
    expect(ctx.sim.requestLog.some((e) => e.path.includes(ctx.sim.users[0]!.token))).toBe(false);
  });
});

describe('account quotas view', () => {
  it('shows usage and limit per resource for the user project', async () => {
    const c = client(ctx.sim);
    const r = await c.get('/account/v1.0/quotas');
    expect(r.status).toBe(200);
    const q = r.body[c.projectId];
    expect(q['cyclades.vm']).toEqual({
      usage: 0,
      limit: 20,
      pending: 0,
      project_usage: 0,
      project_limit: 20,
    });
  });
});
