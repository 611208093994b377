// os-volume_attachments: the list includes the root volume (attachment id == volume id), attach and
// detach are 202 and asynchronous, and the out-of-order cases answer 400.
import { describe, expect, it } from 'vitest';
import { activeServer, C, client, expectFault, useSimulator, V } from './helpers.js';

const ctx = useSimulator();

async function archipelagoServer() {
  const c = client(ctx.sim);
  const flavors = (await c.get(`${C}/flavors/detail`)).body.flavors;
  const flavor = flavors.find(
    (f: { 'SNF:disk_template': string }) => f['SNF:disk_template'] === 'ext_archipelago',
  );
  return { c, id: await activeServer(ctx.sim, c, { flavorRef: flavor.id }) };
}

describe('volume attachments', () => {
  it('lists the root volume with device ""', async () => {
    const { c, id } = await archipelagoServer();
    const root = (await c.get(`${C}/servers/${id}`)).body.server.volumes[0];
    expect((await c.get(`${C}/servers/${id}/os-volume_attachments`)).body).toEqual({
      volumeAttachments: [{ id: root, volumeId: root, serverId: id, device: '' }],
    });
  });

  it('attaches (202, attaching → in_use) and detaches (202, detaching → available)', async () => {
    const { c, id } = await archipelagoServer();
    const vol = (await c.post(`${V}/volumes`, { volume: { size: 2, display_name: 'data', volume_type: 2 } }))
      .body.volume;
    const att = await c.post(`${C}/servers/${id}/os-volume_attachments`, {
      volumeAttachment: { volumeId: vol.id },
    });
    expect(att.status).toBe(202);
    expect(att.body.volumeAttachment).toEqual({
      id: Number(vol.id),
      volumeId: Number(vol.id),
      serverId: id,
      device: '',
    });
    await ctx.sim.settle();
    const attached = (await c.get(`${V}/volumes/${vol.id}`)).body.volume;
    expect(attached.status).toBe('in_use');
    expect(attached.attachments).toEqual([{ server_id: id, volume_id: Number(vol.id), device_index: 1 }]);
    expect(
      (await c.get(`${C}/servers/${id}/os-volume_attachments/${vol.id}`)).body.volumeAttachment.volumeId,
    ).toBe(Number(vol.id));
    expect((await c.get(`${C}/servers/${id}`)).body.server.volumes).toContain(Number(vol.id));
    expectFault(
      await c.post(`${C}/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: vol.id } }),
      400,
      'badRequest',
      /IN_USE/,
    );
    const det = await c.del(`${C}/servers/${id}/os-volume_attachments/${vol.id}`);
    expect(det.status).toBe(202);
    await ctx.sim.settle();
    expect((await c.get(`${V}/volumes/${vol.id}`)).body.volume).toMatchObject({
      status: 'available',
      attachments: [],
    });
    expectFault(await c.get(`${C}/servers/${id}/os-volume_attachments/${vol.id}`), 400, 'badRequest');
  });

  it('refuses to detach the root volume and to attach a non-detachable or mismatched volume', async () => {
    const { c, id } = await archipelagoServer();
    const root = (await c.get(`${C}/servers/${id}`)).body.server.volumes[0];
    expectFault(
      await c.del(`${C}/servers/${id}/os-volume_attachments/${root}`),
      400,
      'badRequest',
      `Cannot detach the root volume of server ${id}.`,
    );
    const drbd = client(ctx.sim);
    const drbdServer = await activeServer(ctx.sim, drbd);
    const vol = (await c.post(`${V}/volumes`, { volume: { size: 1, display_name: 'x', volume_type: 2 } }))
      .body.volume;
    expectFault(
      await c.post(`${C}/servers/${drbdServer}/os-volume_attachments`, {
        volumeAttachment: { volumeId: vol.id },
      }),
      400,
      'badRequest',
      /same volume type/,
    );
    expectFault(
      await c.post(`${C}/servers/${id}/os-volume_attachments`, { volumeAttachment: {} }),
      400,
      'badRequest',
    );
    expectFault(
      await c.post(`${C}/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: '999999' } }),
      404,
      'itemNotFound',
    );
  });
});
