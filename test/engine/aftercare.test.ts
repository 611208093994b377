// Aftercare: work left after a request was answered (a compensation, a clean-up, finding what a
// call whose answer was lost made) is retried with the given pauses; a task that succeeds is
// logged done, one that keeps failing is logged once as an orphan with what is needed to remove
// it by hand (request id, the call, the rule position) and counted; idle() resolves once nothing
// waits or runs; close() reports what still waits as orphans.
import { describe, expect, it } from 'vitest';
import { Aftercare } from '../../src/engine/aftercare.js';
import type { Leftover } from '../../src/engine/run-plan.js';

const LEFTOVER: Leftover = {
  kind: 'compensation',
  step: 'server',
  call: 'DELETE compute /servers/101',
  origin: { file: 'mappings/cyclades/compute.yaml', line: 141, col: 9 },
  error: 'DELETE /servers/{server.server.id}: backend answered 500',
};

function recorder() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const counted: string[] = [];
  const log = {
    warn: (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level: 'warn', message, fields }),
    error: (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level: 'error', message, fields }),
  };
  const events = {
    retried: (kind: string) => counted.push(`retried ${kind}`),
    orphan: (kind: string) => counted.push(`orphan ${kind}`),
  };
  return { lines, counted, log, events };
}

/** A task failing its first `failures` runs, then succeeding; counts its runs. */
function flaky(failures: number) {
  let runs = 0;
  return {
    get runs() {
      return runs;
    },
    task: async () => {
      runs++;
      if (runs <= failures) throw new Error(`attempt ${runs} failed`);
    },
  };
}

describe('aftercare', () => {
  it('retries a failed task until it succeeds, and logs it done', async () => {
    const r = recorder();
    const care = new Aftercare(r.log, r.events, [0, 0, 0]);
    const t = flaky(1);
    care.add('req-1', LEFTOVER, t.task);
    expect(care.size).toBe(1);
    await care.idle();
    expect(t.runs).toBe(2);
    expect(care.size).toBe(0);
    expect(r.lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'warn compensation failed: retrying later',
      'warn retried and done',
    ]);
    expect(r.lines[1]!.fields).toMatchObject({ requestId: 'req-1', call: LEFTOVER.call, attempts: 2 });
    expect(r.counted).toEqual(['retried compensation']);
  });

  it('gives up after the last pause: one orphan line with the request id, the call and the rule position', async () => {
    const r = recorder();
    const care = new Aftercare(r.log, r.events, [0, 0, 0]);
    const t = flaky(Number.POSITIVE_INFINITY);
    care.add('req-2', LEFTOVER, t.task);
    await care.idle();
    expect(t.runs).toBe(3);
    const orphans = r.lines.filter((l) => l.message.includes('orphan'));
    expect(orphans).toHaveLength(1);
    expect(orphans[0]).toMatchObject({
      level: 'error',
      message: 'orphan: left in the backend, remove it by hand',
      fields: {
        requestId: 'req-2',
        kind: 'compensation',
        step: 'server',
        call: 'DELETE compute /servers/101',
        rule: 'mappings/cyclades/compute.yaml:141',
        attempts: 3,
        error: 'attempt 3 failed',
      },
    });
    expect(r.counted).toEqual(['retried compensation', 'orphan compensation']);
    expect(r.lines.some((l) => l.message === 'retried and done')).toBe(false);
  });

  it('idle() resolves at once with nothing pending, and only once every task has ended', async () => {
    const care = new Aftercare(undefined, {}, [0]);
    await care.idle();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    care.add('req-3', LEFTOVER, async () => {
      started();
      await gate;
    });
    care.add('req-4', LEFTOVER, async () => {});
    let idled = false;
    const idle = care.idle().then(() => {
      idled = true;
    });
    await running;
    // The first task is running (held by the gate): idle cannot have resolved.
    expect(idled).toBe(false);
    expect(care.size).toBeGreaterThanOrEqual(1);
    open();
    await idle;
    expect(care.size).toBe(0);
  });

  it('close() reports what still waits as orphans, and idle() resolves', async () => {
    const r = recorder();
    const care = new Aftercare(r.log, r.events, [60_000]);
    care.add(
      'req-5',
      { ...LEFTOVER, kind: 'clean-up', call: 'DELETE network /floatingips/7' },
      async () => {},
    );
    care.close();
    await care.idle();
    expect(care.size).toBe(0);
    expect(r.lines.filter((l) => l.level === 'error')).toEqual([
      {
        level: 'error',
        message: 'orphan: left in the backend, remove it by hand',
        fields: expect.objectContaining({
          requestId: 'req-5',
          call: 'DELETE network /floatingips/7',
          reason: 'shutting down',
        }),
      },
    ]);
    expect(r.counted).toEqual(['retried clean-up', 'orphan clean-up']);
    // Closed: what is handed over later is an orphan at once.
    care.add('req-6', LEFTOVER, async () => {});
    await care.idle();
    expect(r.counted).toEqual([
      'retried clean-up',
      'orphan clean-up',
      'retried compensation',
      'orphan compensation',
    ]);
  });

  it('close() while a task runs: the task ends, idle() still resolves', async () => {
    const care = new Aftercare(undefined, {}, [0]);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    care.add('req-7', LEFTOVER, async () => {
      started();
      await gate;
    });
    await running;
    care.close();
    open();
    await care.idle();
    // Once the task's own ending has run (microtasks flushed), nothing counts as pending.
    await new Promise((resolve) => setImmediate(resolve));
    expect(care.size).toBe(0);
    await care.idle();
  });
});
