// Delayed completion of simulated Ganeti jobs: a mutation returns at once and a timer later applies
// the outcome, as Synnefo's job notifications do. settle() lets tests wait for all of them, and
// hold()/release() lets them complete jobs when they choose rather than after a delay.

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
  /** Kinds whose jobs wait for release() instead of their delay. */
  private holding = new Set<DelayKind>();
  private readonly held: { kind: DelayKind; complete: () => void }[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly delays: Delays,
    /** Runs after every completed job (the store generation bump lives there). */
    private readonly afterJob: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Completes a job of this kind after its configured delay (or when released, if held). */
  schedule(kind: DelayKind, complete: () => void): void {
    if (this.closed) return;
    if (this.holding.has(kind)) {
      this.held.push({ kind, complete });
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      this.run(complete);
    }, this.delays[kind]);
    this.pending.add(timer);
  }

  /** Jobs pending, held ones included. */
  get size(): number {
    return this.pending.size + this.held.length;
  }

  /**
   * From now on, jobs of these kinds (and no others) wait until released: a test can then look at
   * the state in between for as long as it needs, however busy the machine is.
   */
  hold(kinds: readonly DelayKind[]): void {
    this.holding = new Set(kinds);
  }

  /** Kinds of the held jobs, oldest first. */
  heldKinds(): DelayKind[] {
    return this.held.map((h) => h.kind);
  }

  /** Completes the held jobs of this kind (every held job when omitted), oldest first. */
  release(kind?: DelayKind): void {
    for (let i = 0; i < this.held.length; ) {
      const job = this.held[i]!;
      if (kind !== undefined && job.kind !== kind) {
        i++;
        continue;
      }
      this.held.splice(i, 1);
      this.run(job.complete);
    }
  }

  /** Resolves once no job is pending (jobs that schedule further jobs are waited for too). */
  settle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    this.held.length = 0;
    this.wake();
  }

  private run(complete: () => void): void {
    try {
      complete();
    } catch (err) {
      this.onError(err);
    }
    this.afterJob();
    if (this.size === 0) this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
