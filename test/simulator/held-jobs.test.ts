// Held jobs: a test can keep a server in an in-between state (BUILD, STOPPING, …) for as long as it
// needs and complete the job when it chooses, instead of racing a delay on a busy machine.
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import { anImage, C, client, useSimulator } from './helpers.js';

const ctx = useSimulator();

const statusOf = async (id: number) => {
  const { body } = await client(ctx.sim).get(`${C}/servers/${id}`);
  return `${body.server.status} ${body.server['SNF:task_state']}`;
};

/** Lets every pending callback run: an order of events, not a wait for some milliseconds. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('holdJobs / releaseJobs', () => {
  it('a held build stays BUILD until released; settle() waits for it', async () => {
    const c = client(ctx.sim);
    ctx.sim.holdJobs(['build']);
    const r = await c.post(`${C}/servers`, {
      server: { name: 'held', imageRef: await anImage(c), flavorRef: '1' },
    });
    const id = r.body.server.id as number;
    expect(ctx.sim.heldJobs()).toEqual(['build']);
    let settled = false;
    const settling = ctx.sim.settle().then(() => {
      settled = true;
    });
    await turn();
    expect(await statusOf(id)).toBe('BUILD BUILDING');
    expect(settled).toBe(false);

    ctx.sim.releaseJobs('build');
    expect(ctx.sim.heldJobs()).toEqual([]);
    expect(await statusOf(id)).toBe('ACTIVE ');
    await settling;
    expect(settled).toBe(true);
    ctx.sim.holdJobs([]);
  });

  it('only the kinds held wait; releasing one kind leaves the others held', async () => {
    const c = client(ctx.sim);
    const r = await c.post(`${C}/servers`, {
      server: { name: 'two', imageRef: await anImage(c), flavorRef: '1' },
    });
    const id = r.body.server.id as number;
    await ctx.sim.settle();
    ctx.sim.holdJobs(['stop', 'reboot']);
    expect((await c.post(`${C}/servers/${id}/action`, { shutdown: {} })).status).toBe(202);
    expect(ctx.sim.heldJobs()).toEqual(['stop']);
    expect(await statusOf(id)).toBe('ACTIVE STOPPING');
    ctx.sim.releaseJobs('reboot');
    expect(ctx.sim.heldJobs()).toEqual(['stop']);
    ctx.sim.releaseJobs();
    expect(await statusOf(id)).toBe('STOPPED ');

    ctx.sim.holdJobs([]);
    expect((await c.post(`${C}/servers/${id}/action`, { start: {} })).status).toBe(202);
    expect(ctx.sim.heldJobs()).toEqual([]);
    await ctx.sim.settle();
    expect(await statusOf(id)).toBe('ACTIVE ');
  });

  it('close() drops held jobs and ends a pending settle()', async () => {
    const sim = await startSimulator({ delayMs: 0, tokens: ['t'] });
    const c = client(sim);
    sim.holdJobs(['build']);
    await c.post(`${C}/servers`, { server: { name: 'x', imageRef: await anImage(c), flavorRef: '1' } });
    const settling = sim.settle();
    await sim.close();
    await settling;
    expect(sim.heldJobs()).toEqual([]);
  });
});
