// Flavors (Synnefo-generated names, MiB/GiB units, SNF: fields) and images (UUID ids, metadata with
// os/users, the Plankton view), as seeded.
import { describe, expect, it } from 'vitest';
import { C, client, expectFault, useSimulator } from './helpers.js';

const ctx = useSimulator();

describe('flavors', () => {
  it('lists brief entries and details with RAM in MiB, disk in GiB and SNF: fields', async () => {
    const c = client(ctx.sim);
    const brief = (await c.get(`${C}/flavors`)).body.flavors;
    expect(brief[0]).toEqual({ id: 1, name: 'C1R1024D20drbd', links: expect.any(Array) });
    const f = (await c.get(`${C}/flavors/1`)).body.flavor;
    expect(f).toEqual({
      id: 1,
      name: 'C1R1024D20drbd',
      links: [
        { rel: 'self', href: `${ctx.sim.url}${C}/flavors/1` },
        { rel: 'bookmark', href: `${ctx.sim.url}${C}/flavors/1` },
      ],
      ram: 1024,
      disk: 20,
      vcpus: 1,
      'os-flavor-access:is_public': true,
      'SNF:disk_template': 'drbd',
      'SNF:volume_type': 1,
      'SNF:allow_create': true,
      'SNF:flavor-access': [],
    });
    const detail = (await c.get(`${C}/flavors/detail`)).body.flavors;
    for (const d of detail) expect(d.name).toBe(`C${d.vcpus}R${d.ram}D${d.disk}${d['SNF:disk_template']}`);
    expect(new Set(detail.map((d: { name: string }) => d.name)).size).toBe(detail.length);
  });

  it('hides deleted flavors from lists but shows them by id; non-numeric id → 400, unknown → 404', async () => {
    const c = client(ctx.sim);
    const ids = (await c.get(`${C}/flavors`)).body.flavors.map((f: { id: number }) => f.id);
    const deletedId = Math.max(...ids) + 1;
    expect((await c.get(`${C}/flavors/${deletedId}`)).status).toBe(200);
    expectFault(await c.get(`${C}/flavors/abc`), 400, 'badRequest', 'API endpoint not found');
    expectFault(await c.get(`${C}/flavors/99999`), 404, 'itemNotFound', 'Flavor not found.');
  });
});

describe('images', () => {
  it('lists images with UUID ids, status, progress and OS metadata', async () => {
    const c = client(ctx.sim);
    const images = (await c.get(`${C}/images/detail`)).body.images;
    expect(images.length).toBeGreaterThan(3);
    for (const i of images)
      expect(i.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const debian = images.find((i: { name: string }) => i.name === 'Debian Base');
    expect(debian).toMatchObject({ status: 'ACTIVE', progress: 100, public: true, is_snapshot: false });
    expect(debian.metadata).toMatchObject({ os: 'debian', osfamily: 'linux', users: 'root' });
    expect(debian.links.map((l: { rel: string }) => l.rel)).toEqual(['self', 'bookmark', 'alternate']);
    expect(images.some((i: { status: string }) => i.status !== 'ACTIVE')).toBe(true);
    const one = (await c.get(`${C}/images/${debian.id}`)).body.image;
    expect(one).toEqual(debian);
    expect((await c.get(`${C}/images`)).body.images[0]).toEqual({
      id: images[0].id,
      name: images[0].name,
      links: expect.any(Array),
    });
  });

  it('answers 404 for an unknown image, 501 for POST /images, 403 for deleting a public image', async () => {
    const c = client(ctx.sim);
    expectFault(await c.get(`${C}/images/nope`), 404, 'itemNotFound', "Image 'nope' not found");
    expectFault(await c.post(`${C}/images`, {}), 501, 'notImplemented');
    const id = (await c.get(`${C}/images`)).body.images[0].id;
    expectFault(await c.del(`${C}/images/${id}`), 403, 'forbidden');
  });

  it('serves Plankton lists and HEAD metadata headers', async () => {
    const c = client(ctx.sim);
    const list = (await c.get('/image/v1.0/images')).body.images;
    expect(list[0]).toMatchObject({
      id: expect.any(String),
      name: expect.any(String),
      disk_format: 'diskdump',
    });
    const detail = (await c.get('/image/v1.0/images/detail')).body.images[0];
    expect(detail.properties.os).toBeTruthy();
    const head = await c.head(`/image/v1.0/images/${detail.id}`);
    expect(head.status).toBe(200);
    expect(head.headers.get('x-image-meta-id')).toBe(detail.id);
    expect(head.headers.get('x-image-meta-property-os')).toBe(detail.properties.os);
  });
});
