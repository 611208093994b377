// Delayed completion of simulated Ganeti jobs: a mutation returns at once and a timer later applies
// the outcome, as Synnefo's job notifications do. settle() lets tests wait for all of them.

export type DelayKind = 'build' | 'start' | 'stop' | 'reboot' | 'resize' | 'destroy' | 'volume' | 'port';
export type Delays = Record<DelayKind, number>;

/** A few seconds, so demos show BUILD before ACTIVE; tests pass 0. */
export const DEFAULT_DELAYS: Delays = {
  build: 5000,
  start: 2000,
  stop: 2000,
  reboot: 2000,
  resize: 3000,
  destroy: 2000,
  volume: 2000,
  port: 1500,
};

export class Lifecycle {
  private readonly pending = new Set<NodeJS.Timeout>();
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly delays: Delays,
    /** Runs after every completed job (the store generation bump lives there). */
    private readonly afterJob: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Completes a job of this kind after its configured delay. */
  schedule(kind: DelayKind, complete: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      try {
        complete();
      } catch (err) {
        this.onError(err);
      }
      this.afterJob();
      if (this.pending.size === 0) this.wake();
    }, this.delays[kind]);
    this.pending.add(timer);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves once no job is pending (jobs that schedule further jobs are waited for too). */
  settle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
