// The examples of the OCCI 1.2 HTTP protocol and text rendering (GFD.223, GFD.229), as a client
// written from them runs them against snf-occi over the Cyclades simulator: a create answered with
// 201, an absolute Location and the location in the body; a partial update; a full update (PUT)
// of exactly what a GET returned; mixin membership; an action on a whole collection. In
// text/plain, text/occi and JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eStack, startE2eStack } from '../support/e2e-stack.js';
import { COMPUTE, PlainClient, pollUntil, RENDERINGS, send } from './plain-client.js';

describe.each(RENDERINGS)('the OCCI 1.2 examples, %s', (rendering) => {
  let stack: E2eStack;
  let client: PlainClient;
  beforeAll(async () => {
    stack = await startE2eStack();
    client = new PlainClient(rendering, () => stack.url, stack.alice.token);
  });
  afterAll(() => stack?.close());

  /** GFD.223 §4.4.1: POST /compute/ with the kind and two attributes. */
  const createCompute = async (hostname: string) => {
    const answer = await client.request('POST', '/compute/', {
      kind: COMPUTE,
      attributes: { 'occi.compute.cores': 2, 'occi.compute.hostname': hostname },
    });
    expect(answer.status, answer.body).toBe(201);
    const location = answer.headers.get('location')!;
    await stack.settle();
    return { answer, location };
  };

  it('create: 201, an absolute Location, and the location in the body', async () => {
    const { answer, location } = await createCompute('foobar');
    expect(location).toMatch(new RegExp(`^${stack.url}/compute/\\d+$`));
    expect(client.locations(answer)).toEqual([location]);
    if (rendering === 'text/occi') {
      expect(answer.lines.filter(([n]) => n === 'x-occi-location').map(([, v]) => v)).toEqual([location]);
      expect(answer.body).toBe('OK\n');
    }
    if (rendering === 'application/occi+json') expect(JSON.parse(answer.body)).toEqual([location]);
    const got = client.entity(await client.get(location));
    expect(got.attributes).toMatchObject({ 'occi.compute.hostname': 'foobar', 'occi.compute.cores': 2 });
  });

  it('create answered with the full rendering (200) when the client prefers it', async () => {
    const answer = await client.request(
      'POST',
      '/compute/',
      { kind: COMPUTE, attributes: { 'occi.core.title': 'represented' } },
      { Prefer: 'return=representation' },
    );
    expect(answer.status, answer.body).toBe(200);
    expect(answer.headers.get('preference-applied')).toBe('return=representation');
    expect(answer.headers.get('location')).toMatch(new RegExp(`^${stack.url}/compute/\\d+$`));
    expect(client.entity(answer)).toMatchObject({
      kind: COMPUTE,
      attributes: { 'occi.core.title': 'represented' },
    });
    await stack.settle();
  });

  it('partial update: POST the changed attribute, answered with the entity', async () => {
    const { location } = await createCompute('partial');
    const answer = await client.request('POST', location, { attributes: { 'occi.core.title': 'renamed' } });
    expect(answer.status, answer.body).toBe(200);
    expect(client.entity(answer).attributes['occi.core.title']).toBe('renamed');
    expect(client.entity(await client.get(location)).attributes['occi.core.title']).toBe('renamed');
  });

  it('full update: a PUT of exactly what a GET returned is accepted and changes nothing', async () => {
    const { location } = await createCompute('round-trip');
    const read = await client.get(location);
    expect(read.status).toBe(200);
    const before = client.entity(read);
    // The answer as the request: the body as is, or (text/occi) its OCCI headers as is.
    const headers: Record<string, string> = { Accept: rendering, 'X-Auth-Token': client.token };
    headers['Content-Type'] = rendering;
    if (rendering === 'text/occi')
      for (const [name, value] of read.lines)
        if (['category', 'link', 'x-occi-attribute'].includes(name))
          headers[name] = headers[name] ? `${headers[name]}, ${value}` : value;
    const body = rendering === 'text/occi' ? undefined : read.body;
    const { result: put, calls } = await stack.callsDuring(() =>
      send(client.url(location), 'PUT', headers, body),
    );
    expect(put.status, put.body).toBe(200);
    expect(client.entity(put)).toEqual(before);
    // Compared with the entity, nothing changed: nothing was sent to Cyclades but reads.
    expect(calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('mixin membership: associate, list, replace and dissociate with X-OCCI-Location', async () => {
    const scheme = `http://example.com/occi/${rendering.replace(/\W/g, '')}#`;
    const mixin = { term: 'my_stuff', scheme, location: '/my_stuff/' };
    const added =
      rendering === 'application/occi+json'
        ? await send(
            client.url('/-/'),
            'POST',
            { Accept: rendering, 'X-Auth-Token': client.token, 'Content-Type': rendering },
            JSON.stringify({ mixins: [mixin] }),
          )
        : await client.request('POST', '/-/', undefined, {
            Category: `my_stuff; scheme="${scheme}"; class="mixin"; location="/my_stuff/"`,
          });
    expect(added.status, added.body).toBe(200);
    const { location: a } = await createCompute('member-a');
    const { location: b } = await createCompute('member-b');

    const associated = await client.request('POST', '/my_stuff/', { locations: [a] });
    expect(associated.status, associated.body).toBe(200);
    expect(client.locations(associated)).toEqual(rendering === 'application/occi+json' ? [] : [a]);
    expect(client.entity(await client.get(a)).mixins).toContain(`${scheme}my_stuff`);

    const listed = await client.get('/my_stuff/');
    expect(listed.status).toBe(200);
    if (rendering !== 'application/occi+json') expect(client.locations(listed)).toEqual([a]);

    const replaced = await client.request('PUT', '/my_stuff/', { locations: [b] });
    expect(replaced.status, replaced.body).toBe(200);
    expect(client.entity(await client.get(a)).mixins).not.toContain(`${scheme}my_stuff`);
    expect(client.entity(await client.get(b)).mixins).toContain(`${scheme}my_stuff`);

    const dissociated = await client.request('DELETE', '/my_stuff/', { locations: [b] });
    expect(dissociated.status, dissociated.body).toBe(200);
    expect(client.entity(await client.get(b)).mixins).not.toContain(`${scheme}my_stuff`);
  });

  it('an action on a whole collection: POST /compute/?action=stop stops every compute', async () => {
    const { location } = await createCompute('collective');
    const answer = await client.action('/compute/', 'stop');
    expect(answer.status, client.error(answer)).toBe(200);
    await pollUntil(client, location, (e) => e.attributes['occi.compute.state'] === 'inactive', 'stopped');
    await stack.settle();
    const servers = stack.sim.snapshot().users[stack.alice.userId]!.servers.filter((s) => !s.deleted);
    expect(servers.length).toBeGreaterThan(0);
    expect(servers.every((s) => s.status === 'STOPPED')).toBe(true);
  });
});
