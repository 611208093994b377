// Work that failed and must still be done after a request has been answered: compensations that
// failed, clean-ups after a delete, finding what a call whose answer was lost made. Each task is
// retried with backoff; one that never succeeds is logged as an orphan, with what is needed to
// remove it by hand (request id, the call, the rule position), and counted.
import type { Leftover } from './run-plan.js';

export interface AftercareLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface AftercareEvents {
  /** A task was handed over for retrying (kind: compensation, clean-up, lost reply). */
  retried?(kind: string, step: string): void;
  /** A retried task succeeded. */
  done?(kind: string, step: string): void;
  /** A task gave up: something may be left in the backend. */
  orphan?(kind: string, step: string): void;
}

/** Pauses before the 1st, 2nd... retry; after the last one fails, the task is an orphan. */
export const DEFAULT_RETRY_DELAYS_MS = [500, 2_000, 8_000, 30_000, 120_000];

export class Aftercare {
  /** Retries waiting for their time, with what to log if they are cut short. */
  private readonly timers = new Map<
    NodeJS.Timeout,
    { fields: Record<string, unknown>; what: Leftover; events: AftercareEvents }
  >();
  private running = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly log: AftercareLog | undefined,
    private readonly events: AftercareEvents = {},
    private readonly delaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
  ) {}

  /** Retries `task` later; `requestId` names the request that left it; `events` hear how it ends. */
  add(
    requestId: string,
    what: Leftover,
    task: () => Promise<void>,
    events: AftercareEvents = this.events,
  ): void {
    const fields = { requestId, ...describe(what) };
    this.log?.warn(`${what.kind} failed: retrying later`, fields);
    events.retried?.(what.kind, what.step);
    this.schedule(fields, what, task, 0, events);
  }

  private schedule(
    fields: Record<string, unknown>,
    what: Leftover,
    task: () => Promise<void>,
    attempt: number,
    events: AftercareEvents,
  ): void {
    if (this.closed || attempt >= this.delaysMs.length) {
      this.log?.error('orphan: left in the backend, remove it by hand', {
        ...fields,
        attempts: attempt,
        ...(this.closed ? { reason: 'shutting down' } : {}),
      });
      events.orphan?.(what.kind, what.step);
      this.wake();
      return;
    }
    this.running++;
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      try {
        await task();
        this.log?.warn('retried and done', { ...fields, attempts: attempt + 1 });
        events.done?.(what.kind, what.step);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        this.schedule({ ...fields, error }, what, task, attempt + 1, events);
      } finally {
        this.running--;
        this.wake();
      }
    }, this.delaysMs[attempt]);
    this.timers.set(timer, { fields, what, events });
  }

  /** Tasks waiting or running. */
  get size(): number {
    return this.running;
  }

  /** Resolves once no task is waiting or running (tests wait on this rather than on time). */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    if (this.running > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Stops retrying: what is still waiting is reported as orphans now (a running task ends as it may). */
  close(): void {
    this.closed = true;
    for (const [t, { fields, what, events }] of this.timers) {
      clearTimeout(t);
      this.log?.error('orphan: left in the backend, remove it by hand', {
        ...fields,
        reason: 'shutting down',
      });
      events.orphan?.(what.kind, what.step);
    }
    this.running -= this.timers.size;
    this.timers.clear();
    this.wake();
  }
}

function describe(what: Leftover): Record<string, unknown> {
  return {
    kind: what.kind,
    step: what.step,
    call: what.call,
    rule: `${what.origin.file}:${what.origin.line}`,
    error: what.error,
  };
}
