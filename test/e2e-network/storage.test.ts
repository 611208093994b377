// Storage over Cyclades volumes, end to end in every rendering: create (size in GiB, a detachable
// volume type, kept when a linked compute goes), get, list, delete, the state from the volume's
// status, the snapshot action (a Cyclades snapshot) and 501 for the actions Cyclades lacks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_NAMES } from '../support/occi-clients.js';
import { locationOf, type Occi, STORAGE } from './occi.js';
import { type NetworkStack, occiFor, startNetworkStack } from './stack.js';

const ACTION = 'http://schemas.ogf.org/occi/infrastructure/storage/action#';

describe.each(CLIENT_NAMES)('storage over Cyclades volumes, %s', (name) => {
  let stack: NetworkStack;
  let occi: Occi;

  beforeAll(async () => {
    stack = await startNetworkStack();
    occi = occiFor(name, stack);
  });
  afterAll(() => stack?.close());

  it('creates a volume of the size asked (rounded up to GiB), reads it, lists it, deletes it', async () => {
    const created = await occi.represented((o) =>
      o.create('/storage/', {
        kind: STORAGE,
        attributes: { 'occi.core.title': 'data', 'occi.storage.size': 2.5 },
      }),
    );
    expect(created.status, created.body).toBe(200);
    const location = locationOf(created);
    expect(location).toMatch(/^\/storage\/\d+$/);
    const id = location.split('/').pop()!;
    expect(stack.backend().volumes.find((v) => v.id === id)).toMatchObject({
      display_name: 'data',
      size: 3,
      volume_type: 2,
      status: 'available',
      delete_on_termination: false,
    });

    const expected = {
      'occi.core.id': id,
      'occi.core.title': 'data',
      'occi.storage.size': 3,
      'occi.storage.state': 'online',
    };
    const snapshot = `${ACTION}snapshot`;
    expect(occi.readEntity(created)).toMatchObject({
      kind: STORAGE,
      attributes: expected,
      actions: [snapshot],
    });
    const got = await occi.get(location);
    expect(got.response.status).toBe(200);
    expect(got.entity).toMatchObject({ kind: STORAGE, attributes: expected, actions: [snapshot] });
    expect((await occi.list('/storage/')).locations).toContain(location);

    expect((await occi.delete(location)).status).toBe(200);
    expect(stack.backend().volumes.map((v) => v.id)).not.toContain(id);
    expect((await occi.get(location)).response.status).toBe(404);
    expect((await occi.list('/storage/')).locations).not.toContain(location);
  });

  it('snapshot makes a Cyclades snapshot of the volume; online, offline, backup and resize are 501', async () => {
    const created = await occi.create('/storage/', { kind: STORAGE, attributes: { 'occi.storage.size': 1 } });
    const location = locationOf(created);
    const id = location.split('/').pop()!;
    const snap = await occi.action(location, `${ACTION}snapshot`);
    expect(snap.status, snap.body).toBe(200);
    expect(stack.backend().snapshots.filter((s) => s.volume_id === id)).toHaveLength(1);
    for (const term of ['online', 'offline', 'backup']) {
      const res = await occi.action(location, `${ACTION}${term}`);
      expect(res.status, term).toBe(501);
      expect(occi.error(res)).toMatch(/Cyclades/);
    }
    const resize = await occi.action(location, `${ACTION}resize`, { size: 5 });
    expect(resize.status).toBe(501);
    expect(occi.error(resize)).toContain('Cyclades cannot resize');
    expect((await occi.delete(location)).status).toBe(200);
  });

  it('a fault after the volume is made deletes it again and reports the fault', async () => {
    const before = stack.backend().volumes.length;
    stack.sim.injectFault({
      method: 'PUT',
      path: /^\/volumes\/\d+$/,
      status: 400,
      body: { badRequest: { code: 400, message: 'No update (injected)', details: '' } },
    });
    const refused = await occi.create('/storage/', { kind: STORAGE, attributes: { 'occi.storage.size': 1 } });
    expect(refused.status).toBe(400);
    expect(occi.error(refused)).toContain('No update (injected)');
    expect(stack.backend().volumes).toHaveLength(before);

    // Cyclades' own refusal of the first step: its status and message, nothing made.
    const huge = await occi.create('/storage/', { kind: STORAGE, attributes: { 'occi.storage.size': 500 } });
    expect(huge.status).toBe(400);
    expect(occi.error(huge)).toContain('exceeds the maximum');
    expect(stack.backend().volumes).toHaveLength(before);

    const none = await occi.create('/storage/', { kind: STORAGE, attributes: { 'occi.storage.size': 0 } });
    expect(none.status).toBe(400);
    expect(occi.error(none)).toContain('positive');
    expect(stack.logLines.filter((l) => l.includes('compensation failed'))).toEqual([]);
  });

  it('the state follows the volume status', async () => {
    const created = await occi.create('/storage/', { kind: STORAGE, attributes: { 'occi.storage.size': 1 } });
    const location = locationOf(created);
    // A deletion that failed in the backend leaves a volume in error_deleting; the simulator never
    // fails one, so the answer is injected.
    stack.sim.injectFault({
      method: 'GET',
      path: `/volumes/${location.split('/').pop()}`,
      status: 200,
      body: {
        volume: { id: location.split('/').pop(), display_name: '', size: 1, status: 'error_deleting' },
      },
    });
    const broken = await occi.get(location);
    expect(broken.entity?.attributes).toMatchObject({
      'occi.storage.state': 'error',
      'occi.storage.state.message': 'deleting the volume failed in the backend',
    });
    expect(broken.entity?.actions).toEqual([]);
    expect((await occi.delete(location)).status).toBe(200);
  });
});
