// Requests and answers between the cluster primary and a worker, over node:cluster's IPC channel.
// Each request carries an id and its answer the same id; a request left unanswered in time, or
// whose channel closes, rejects. Handlers run as messages arrive, in the order they were sent:
// the worker's replica of the user mixins (store/cluster-store.ts) depends on that order.

interface Envelope {
  snfOcci: 1;
  id: number;
  /** A request's type; absent on an answer. */
  type?: string;
  body?: unknown;
  /** On an answer: what the handler threw. */
  error?: string;
}

export type Handler = (body: unknown) => unknown;

/** What sends on the channel: process.send in a worker, worker.send in the primary. */
export type Send = (message: Envelope, done: (error: Error | null) => void) => void;

export class ChannelClosed extends Error {}

export class Channel {
  private next = 1;
  private closed = false;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }
  >();
  private readonly handlers = new Map<string, Handler>();

  constructor(private readonly send: Send) {}

  /** Whether the other side may still answer. */
  get open(): boolean {
    return !this.closed;
  }

  /** Answers requests of this type with what `handler` returns (or resolves to). */
  on(type: string, handler: Handler): this {
    this.handlers.set(type, handler);
    return this;
  }

  request<T>(type: string, body?: unknown, timeoutMs = 5_000): Promise<T> {
    if (this.closed) return Promise.reject(new ChannelClosed('the channel is closed'));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, new Error(`no answer to ${type} in time`)), timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.send({ snfOcci: 1, id, type, body }, (e) => {
        if (e) this.settle(id, new ChannelClosed(e.message));
      });
    });
  }

  /** Feeds a message received on the channel; messages of others (prom-client's) are ignored. */
  receive(message: unknown): void {
    const m = message as Partial<Envelope> | null;
    if (m?.snfOcci !== 1 || typeof m.id !== 'number') return;
    if (m.type === undefined) {
      this.settle(m.id, m.error === undefined ? undefined : new Error(m.error), m.body);
      return;
    }
    const handler = this.handlers.get(m.type);
    const answer = (body: unknown, error?: string) =>
      this.closed ||
      this.send({ snfOcci: 1, id: m.id!, body, ...(error === undefined ? {} : { error }) }, () => {});
    try {
      if (!handler) throw new Error(`no handler for ${m.type}`);
      Promise.resolve(handler(m.body)).then(
        (body) => answer(body),
        (e: unknown) => answer(undefined, (e as Error)?.message ?? String(e)),
      );
    } catch (e) {
      answer(undefined, (e as Error).message);
    }
  }

  /** Rejects every request still waiting (the other side is gone). */
  close(): void {
    this.closed = true;
    for (const id of [...this.pending.keys()]) this.settle(id, new ChannelClosed('the channel closed'));
  }

  private settle(id: number, error: Error | undefined, body?: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve(body);
  }
}
