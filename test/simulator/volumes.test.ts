// Block storage: volumes (202 with the brief body, lower-case statuses, detachable types only when
// unattached, delete rules), volume types (/types) and snapshots (202, CREATING → AVAILABLE).
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import { activeServer, C, client, clockTick, expectFault, useSimulator, V } from './helpers.js';

const ctx = useSimulator();

async function volume(extra: Record<string, unknown> = {}) {
  const c = client(ctx.sim);
  const r = await c.post(`${V}/volumes`, {
    volume: { size: 10, display_name: 'data', volume_type: 2, ...extra },
  });
  expect(r.status).toBe(202);
  return r.body.volume;
}

describe('volumes', () => {
  it('creates with 202 and only id, display_name and links; the volume is available at once', async () => {
    const c = client(ctx.sim);
    const brief = await volume();
    expect(Object.keys(brief).sort()).toEqual(['display_name', 'id', 'links']);
    expect(brief.links[0]).toEqual({ rel: 'self', href: `${ctx.sim.url}${V}/volumes/${brief.id}` });
    const v = (await c.get(`${V}/volumes/${brief.id}`)).body.volume;
    expect(v).toMatchObject({
      id: brief.id,
      status: 'available',
      size: 10,
      volume_type: 2,
      attachments: [],
      display_description: '',
      metadata: {},
      snapshot_id: null,
      source_volid: null,
      deleted: false,
      delete_on_termination: true,
      user_id: c.userId,
      tenant_id: c.projectId,
    });
    expect(v.created_at).toMatch(/\+00:00$/);
  });

  it('validates size, name and type', async () => {
    const c = client(ctx.sim);
    const create = (v: Record<string, unknown>) => c.post(`${V}/volumes`, { volume: v });
    expectFault(await create({ display_name: 'x', volume_type: 2 }), 400, 'badRequest');
    expectFault(
      await create({ size: 0, display_name: 'x', volume_type: 2 }),
      400,
      'badRequest',
      /positive integer/,
    );
    expectFault(await create({ size: 201, display_name: 'x', volume_type: 2 }), 400, 'badRequest');
    expectFault(await create({ size: 1, volume_type: 2 }), 400, 'badRequest');
    expectFault(await create({ size: 1, display_name: 'x' }), 400, 'badRequest');
    expectFault(
      await create({ size: 1, display_name: 'x', volume_type: 1 }),
      400,
      'badRequest',
      "Volume type 'drbd' is not detachable",
    );
    expectFault(await create({ size: 1, display_name: 'x', volume_type: 9 }), 404, 'itemNotFound');
    expectFault(
      await create({ size: 1, display_name: 'x', volume_type: 2, source_volid: '1' }),
      400,
      'badRequest',
    );
  });

  it('creates a volume for a server: creating → in_use, attached at once', async () => {
    const sim = await startSimulator({ delayMs: 0, delays: { volume: 60_000 } });
    try {
      const c = client(sim);
      const id = await activeServer(sim, c);
      const r = await c.post(`${V}/volumes`, {
        volume: { size: 2, display_name: 'd', server_id: String(id) },
      });
      expect(r.status).toBe(202);
      const v = (await c.get(`${V}/volumes/${r.body.volume.id}`)).body.volume;
      expect(v).toMatchObject({ status: 'creating', volume_type: 1 });
      expect(v.attachments).toEqual([{ server_id: id, volume_id: Number(v.id), device_index: 1 }]);
    } finally {
      await sim.close();
    }
  });

  it('lists brief and detailed volumes, with changes-since', async () => {
    const c = client(ctx.sim);
    const since = new Date().toISOString();
    await clockTick();
    const v = await volume({ display_name: 'listed' });
    expect((await c.get(`${V}/volumes`)).body.volumes).toContainEqual({
      id: v.id,
      display_name: 'listed',
      links: v.links,
    });
    const detail = (await c.get(`${V}/volumes/detail`)).body.volumes;
    expect(detail.find((x: { id: string }) => x.id === v.id).status).toBe('available');
    expect(
      (await c.get(`${V}/volumes?changes-since=${since}`)).body.volumes.map((x: { id: string }) => x.id),
    ).toEqual([v.id]);
  });

  it('updates name, description and delete_on_termination (200, full body)', async () => {
    const c = client(ctx.sim);
    const v = await volume();
    const r = await c.put(`${V}/volumes/${v.id}`, {
      volume: { display_name: 'renamed', display_description: 'd', delete_on_termination: false },
    });
    expect(r.status).toBe(200);
    expect(r.body.volume).toMatchObject({
      display_name: 'renamed',
      display_description: 'd',
      delete_on_termination: false,
    });
  });

  it('deletes an available volume (202) and keeps it visible as deleted', async () => {
    const c = client(ctx.sim);
    const v = await volume();
    expect((await c.del(`${V}/volumes/${v.id}`)).status).toBe(202);
    expect((await c.get(`${V}/volumes/${v.id}`)).body.volume).toMatchObject({
      status: 'deleted',
      deleted: true,
    });
    expect((await c.get(`${V}/volumes`)).body.volumes.map((x: { id: string }) => x.id)).not.toContain(v.id);
  });

  it('refuses to delete a root volume and detaches an attached one before deleting it', async () => {
    const c = client(ctx.sim);
    const flavors = (await c.get(`${C}/flavors/detail`)).body.flavors;
    const flavor = flavors.find(
      (f: { 'SNF:disk_template': string }) => f['SNF:disk_template'] === 'ext_archipelago',
    );
    const id = await activeServer(ctx.sim, c, { flavorRef: flavor.id });
    const root = (await c.get(`${C}/servers/${id}`)).body.server.volumes[0];
    expectFault(await c.del(`${V}/volumes/${root}`), 400, 'badRequest');
    const v = await volume();
    await c.post(`${C}/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: v.id } });
    await ctx.sim.settle();
    expect((await c.del(`${V}/volumes/${v.id}`)).status).toBe(202);
    expect(['deleting', 'deleted']).toContain((await c.get(`${V}/volumes/${v.id}`)).body.volume.status);
    await ctx.sim.settle();
    expect((await c.get(`${V}/volumes/${v.id}`)).body.volume).toMatchObject({
      status: 'deleted',
      attachments: [],
    });
    expect((await c.get(`${C}/servers/${id}`)).body.server.volumes).toEqual([root]);
  });

  it('manages volume metadata: merge, replace, delete one key', async () => {
    const c = client(ctx.sim);
    const v = await volume({ metadata: { a: '1' } });
    const m = `${V}/volumes/${v.id}/metadata`;
    expect((await c.get(m)).body).toEqual({ metadata: { a: '1' } });
    expect((await c.post(m, { metadata: { b: '2' } })).body).toEqual({ metadata: { a: '1', b: '2' } });
    expect((await c.put(m, { metadata: { c: '3' } })).body).toEqual({ metadata: { c: '3' } });
    expect((await c.del(`${m}/c`)).status).toBe(200);
    expectFault(await c.del(`${m}/c`), 404, 'itemNotFound');
  });

  it('reassigns through the action (200)', async () => {
    const c = client(ctx.sim);
    const v = await volume();
    expect((await c.post(`${V}/volumes/${v.id}/action`, { reassign: { project: c.projectId } })).status).toBe(
      200,
    );
    expectFault(await c.post(`${V}/volumes/${v.id}/action`, { extend: {} }), 400, 'badRequest');
  });
});

describe('volume types', () => {
  it('lists drbd and the detachable ext_archipelago under /types', async () => {
    const c = client(ctx.sim);
    const r = await c.get(`${V}/types`);
    expect(r.body.volume_types).toEqual([
      { id: 1, name: 'drbd', deleted: false, 'SNF:disk_template': 'drbd', 'SNF:detachable': false },
      {
        id: 2,
        name: 'ext_archipelago',
        deleted: false,
        'SNF:disk_template': 'ext_archipelago',
        'SNF:detachable': true,
      },
    ]);
    expect((await c.get(`${V}/types/2`)).body.volume_type.name).toBe('ext_archipelago');
    expect((await c.get(`${V}/types/9`)).status).toBe(404);
    expect((await c.get(`${V}/volume-types`)).status).toBe(400);
  });
});

describe('snapshots', () => {
  it('creates (202, CREATING → AVAILABLE), lists, updates (200) and deletes (202)', async () => {
    const c = client(ctx.sim);
    const v = await volume();
    const r = await c.post(`${V}/snapshots`, { snapshot: { volume_id: v.id, display_name: 'snap' } });
    expect(r.status).toBe(202);
    expect(r.body.snapshot).toMatchObject({
      volume_id: v.id,
      display_name: 'snap',
      status: 'CREATING',
      size: 10,
    });
    const id = r.body.snapshot.id;
    await ctx.sim.settle();
    const s = (await c.get(`${V}/snapshots/${id}`)).body.snapshot;
    expect(s).toMatchObject({ status: 'AVAILABLE', 'os-extended-snapshot-attribute:progress': '100%' });
    expect((await c.get(`${V}/snapshots`)).body.snapshots.map((x: { id: string }) => x.id)).toContain(id);
    expect((await c.get(`${V}/snapshots/detail`)).body.snapshots[0].volume_id).toBeDefined();
    const image = (await c.get(`${C}/images/${id}`)).body.image;
    expect(image).toMatchObject({ is_snapshot: true, public: false, user_id: c.userId });
    expect(
      (await c.put(`${V}/snapshots/${id}`, { snapshot: { display_name: 'renamed' } })).body.snapshot
        .display_name,
    ).toBe('renamed');
    const second = (await c.post(`${V}/snapshots`, { snapshot: { volume_id: v.id } })).body.snapshot;
    expect((await c.del(`${C}/images/${second.id}`)).status).toBe(204);
    expectFault(await c.get(`${V}/snapshots/${second.id}`), 404, 'itemNotFound');
    expect((await c.del(`${V}/snapshots/${id}`)).status).toBe(202);
    expectFault(await c.get(`${V}/snapshots/${id}`), 404, 'itemNotFound');
    expectFault(await c.post(`${V}/snapshots`, { snapshot: {} }), 400, 'badRequest');
  });
});
