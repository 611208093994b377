// Server actions and Synnefo's preconditions, in validate_server_action's order: deleted → 400,
// pending BUILD → 409 buildInProgress, other pending task → 400, ERROR → 400, then per-action state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { activeServer, anImage, C, client, expectFault, useSimulator } from './helpers.js';

const ctx = useSimulator();
const act = (sim: RunningSimulator, id: number, body: unknown, user = 0) =>
  client(sim, user).post(`${C}/servers/${id}/action`, body);

describe('lifecycle actions', () => {
  it('shutdown → STOPPED, start → ACTIVE, each 202 with an empty body', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    const stop = await act(ctx.sim, id, { shutdown: {} });
    expect(stop.status).toBe(202);
    expect(stop.text).toBe('');
    await ctx.sim.settle();
    expect((await c.get(`${C}/servers/${id}`)).body.server.status).toBe('STOPPED');
    expect((await act(ctx.sim, id, { start: {} })).status).toBe(202);
    await ctx.sim.settle();
    expect((await c.get(`${C}/servers/${id}`)).body.server.status).toBe('ACTIVE');
    expect((await act(ctx.sim, id, { 'os-stop': {} })).status).toBe(202);
    await ctx.sim.settle();
    expect((await act(ctx.sim, id, { 'os-start': {} })).status).toBe(202);
  });

  it('refuses start on an ACTIVE server and shutdown on a STOPPED one (400)', async () => {
    const id = await activeServer(ctx.sim, client(ctx.sim));
    expectFault(
      await act(ctx.sim, id, { start: {} }),
      400,
      'badRequest',
      "Cannot perform 'START' action while server is in 'STARTED' state.",
    );
    await act(ctx.sim, id, { shutdown: {} });
    await ctx.sim.settle();
    expectFault(
      await act(ctx.sim, id, { shutdown: {} }),
      400,
      'badRequest',
      "Cannot perform 'STOP' action while server is in 'STOPPED' state.",
    );
  });

  it('reboots SOFT by default and HARD on request; other types → 400', async () => {
    const id = await activeServer(ctx.sim, client(ctx.sim));
    expect((await act(ctx.sim, id, { reboot: {} })).status).toBe(202);
    await ctx.sim.settle();
    expect((await act(ctx.sim, id, { reboot: { type: 'HARD' } })).status).toBe(202);
    await ctx.sim.settle();
    expectFault(
      await act(ctx.sim, id, { reboot: { type: 'WARM' } }),
      400,
      'badRequest',
      "Invalid 'type' attribute.",
    );
  });

  it('resizes only a STOPPED server, to another flavor of the same disk and volume type', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    const flavors = (await c.get(`${C}/flavors/detail`)).body.flavors as {
      id: number;
      disk: number;
      vcpus: number;
      'SNF:volume_type': number;
    }[];
    const target = flavors.find((f) => f.disk === 20 && f.vcpus === 2 && f['SNF:volume_type'] === 1)!;
    const otherDisk = flavors.find((f) => f.disk === 40 && f['SNF:volume_type'] === 1)!;
    const otherType = flavors.find((f) => f.disk === 20 && f['SNF:volume_type'] === 2)!;
    expectFault(
      await act(ctx.sim, id, { resize: { flavorRef: target.id } }),
      400,
      'badRequest',
      "Cannot perform 'RESIZE' action while server is in 'STARTED' state.",
    );
    await act(ctx.sim, id, { shutdown: {} });
    await ctx.sim.settle();
    expectFault(await act(ctx.sim, id, { resize: { flavorRef: 1 } }), 400, 'badRequest', /already/);
    expectFault(
      await act(ctx.sim, id, { resize: { flavorRef: otherDisk.id } }),
      400,
      'badRequest',
      /disk size/,
    );
    expectFault(
      await act(ctx.sim, id, { resize: { flavorRef: otherType.id } }),
      400,
      'badRequest',
      /volume type/,
    );
    expectFault(await act(ctx.sim, id, { resize: { flavorRef: 99999 } }), 404, 'itemNotFound');
    expect((await act(ctx.sim, id, { resize: { flavorRef: target.id } })).status).toBe(202);
    await ctx.sim.settle();
    const s = (await c.get(`${C}/servers/${id}`)).body.server;
    expect(s).toMatchObject({ status: 'STOPPED', flavor: { id: target.id } });
  });

  it('gives a console (200) only for an ACTIVE server', async () => {
    const id = await activeServer(ctx.sim, client(ctx.sim));
    const r = await act(ctx.sim, id, { console: { type: 'vnc' } });
    expect(r.status).toBe(200);
    expect(r.body.console).toEqual({
      type: 'vnc',
      host: '127.0.0.1',
      port: expect.any(Number),
      password: expect.any(String),
    });
    expectFault(await act(ctx.sim, id, { console: { type: 'spice' } }), 400, 'badRequest');
    await act(ctx.sim, id, { shutdown: {} });
    await ctx.sim.settle();
    expectFault(
      await act(ctx.sim, id, { console: { type: 'vnc' } }),
      400,
      'badRequest',
      'Server not in ACTIVE state.',
    );
  });

  it('answers Synnefo faults for unsupported and malformed actions', async () => {
    const id = await activeServer(ctx.sim, client(ctx.sim));
    expectFault(
      await act(ctx.sim, id, { changePassword: {} }),
      400,
      'badRequest',
      'Action changePassword not supported',
    );
    expectFault(
      await act(ctx.sim, id, { createImage: {} }),
      400,
      'badRequest',
      'Action createImage not supported',
    );
    expectFault(await act(ctx.sim, id, { start: {}, shutdown: {} }), 400, 'badRequest', 'Malformed request');
    expectFault(await act(ctx.sim, id, {}), 400, 'badRequest', 'Malformed request');
    expectFault(
      await act(ctx.sim, id, { suspend: {} }),
      403,
      'forbidden',
      'User is not allowed to suspend his server',
    );
    expectFault(await act(ctx.sim, id, { rescue: {} }), 404, 'featureNotEnabled');
    expectFault(await act(ctx.sim, 999999, { start: {} }), 404, 'itemNotFound');
  });

  it('reassigns to one of the user projects (200) and refuses a foreign project', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    const r = await act(ctx.sim, id, { reassign: { project: c.projectId } });
    expect(r.status).toBe(200);
    expectFault(await act(ctx.sim, id, { reassign: { project: 'foreign' } }), 403, 'forbidden');
  });

  it('sets a firewall profile on a NIC (202)', async () => {
    const c = client(ctx.sim);
    const net = (await c.post('/network/v2.0/networks', { network: { type: 'MAC_FILTERED' } })).body.network;
    const id = await activeServer(ctx.sim, c, { networks: [{ uuid: net.id }] });
    const nic = (await c.get(`${C}/servers/${id}`)).body.server.attachments[0];
    expect((await act(ctx.sim, id, { firewallProfile: { profile: 'ENABLED', nic: nic.id } })).status).toBe(
      202,
    );
    expect((await c.get(`${C}/servers/${id}`)).body.server.attachments[0].firewallProfile).toBe('ENABLED');
    expectFault(
      await act(ctx.sim, id, { firewallProfile: { profile: 'OPEN', nic: nic.id } }),
      400,
      'badRequest',
    );
  });

  it('adds and removes a floating IP through actions', async () => {
    const c = client(ctx.sim);
    const id = await activeServer(ctx.sim, c);
    const fip = (await c.post('/network/v2.0/floatingips', { floatingip: {} })).body.floatingip;
    expect((await act(ctx.sim, id, { addFloatingIp: { address: fip.floating_ip_address } })).status).toBe(
      202,
    );
    await ctx.sim.settle();
    expect((await c.get(`${C}/servers/${id}`)).body.server.addresses['1'][0].addr).toBe(
      fip.floating_ip_address,
    );
    expect((await act(ctx.sim, id, { removeFloatingIp: { address: fip.floating_ip_address } })).status).toBe(
      202,
    );
    await ctx.sim.settle();
    expect((await c.get(`${C}/servers/${id}`)).body.server.addresses).toEqual({});
  });
});

describe('preconditions with jobs in flight', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ delayMs: 0, delays: { build: 60_000, stop: 60_000, reboot: 60_000 } });
  });
  afterAll(() => sim.close());

  it('answers 409 buildInProgress for any action on a building server, but allows DELETE', async () => {
    const c = client(sim);
    const r = await c.post(`${C}/servers`, {
      server: { name: 'b', imageRef: await anImage(c), flavorRef: 1 },
    });
    const id = r.body.server.id;
    for (const body of [{ start: {} }, { shutdown: {} }, { reboot: {} }, { resize: { flavorRef: 2 } }]) {
      expectFault(await act(sim, id, body), 409, 'buildInProgress', `Server '${id}' is being built.`);
    }
    // console() checks only the operstate, so a building server is a plain 400 there.
    expectFault(
      await act(sim, id, { console: { type: 'vnc' } }),
      400,
      'badRequest',
      'Server not in ACTIVE state.',
    );
    expect((await c.del(`${C}/servers/${id}`)).status).toBe(204);
  });

  it('answers 400 for an action while another task is pending, and shows REBOOT meanwhile', async () => {
    const quick = await startSimulator({ delayMs: 0, delays: { reboot: 60_000 } });
    try {
      const c = client(quick);
      const id = await activeServer(quick, c);
      expect((await act(quick, id, { reboot: { type: 'SOFT' } })).status).toBe(202);
      const s = (await c.get(`${C}/servers/${id}`)).body.server;
      expect(s).toMatchObject({ status: 'REBOOT', 'SNF:task_state': 'REBOOTING' });
      expectFault(
        await act(quick, id, { shutdown: {} }),
        400,
        'badRequest',
        "Cannot perform 'STOP' action while there is a pending 'REBOOT'.",
      );
      // the pending-task check comes before reassign's exemption (Synnefo's order)
      expectFault(
        await act(quick, id, { reassign: { project: c.projectId } }),
        400,
        'badRequest',
        "Cannot perform 'REASSIGN' action while there is a pending 'REBOOT'.",
      );
    } finally {
      await quick.close();
    }
  });

  it('answers 400 "Server has been deleted." before anything else', async () => {
    const quick = await startSimulator({ delayMs: 0 });
    try {
      const c = client(quick);
      const id = await activeServer(quick, c);
      await c.del(`${C}/servers/${id}`);
      await quick.settle();
      expectFault(await act(quick, id, { start: {} }), 400, 'badRequest', 'Server has been deleted.');
      expectFault(await act(quick, id, { bogus: {} }), 400, 'badRequest', 'Server has been deleted.');
    } finally {
      await quick.close();
    }
  });
});

describe('failed builds', () => {
  it('ends in ERROR with a diagnostic; then only DELETE is allowed', async () => {
    const c = client(ctx.sim);
    ctx.sim.failBuilds(1);
    const net = (await c.post('/network/v2.0/networks', { network: { type: 'MAC_FILTERED' } })).body.network;
    const r = await c.post(`${C}/servers`, {
      server: { name: 'doomed', imageRef: await anImage(c), flavorRef: 1, networks: [{ uuid: net.id }] },
    });
    await ctx.sim.settle();
    const s = (await c.get(`${C}/servers/${r.body.server.id}`)).body.server;
    expect(s.status).toBe('ERROR');
    expect(s.diagnostics[0]).toMatchObject({ level: 'ERROR', message: expect.any(String) });
    const port = (await c.get('/network/v2.0/ports')).body.ports.find(
      (p: { device_id: string }) => p.device_id === String(s.id),
    );
    expect(port.status).toBe('ERROR');
    expectFault(
      await act(ctx.sim, s.id, { start: {} }),
      400,
      'badRequest',
      "Cannot perform 'START' action while server is in 'ERROR' state.",
    );
    // reassign is exempt from the operstate checks, ERROR included
    expect((await act(ctx.sim, s.id, { reassign: { project: c.projectId } })).status).toBe(200);
    expect((await c.del(`${C}/servers/${s.id}`)).status).toBe(204);
    await ctx.sim.settle();
    expect((await c.get(`${C}/servers/${s.id}`)).body.server.status).toBe('DELETED');
  });
});
