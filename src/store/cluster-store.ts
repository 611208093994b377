// User mixins with workers (serve --workers N) and the file store: the primary alone keeps the
// file. Each worker holds a replica of every user's list and answers reads from it (no IPC on the
// hot path); it writes by compare-and-set through the primary, which tells every worker of the
// change, in the order of the writes, and waits for the others to have it before it answers the
// writer. So once a client has its answer from one worker, every other worker serves the change.
import type { Channel } from '../cluster/channel.js';
import type { Mixin } from '../occi/model.js';
import type { FileMixinStore } from './file-store.js';
import {
  type MixinStore,
  ParsedMixins,
  Serial,
  type StoreLog,
  storeUnavailable,
  UserKeys,
  updateBySwap,
} from './mixin-store.js';

interface Snapshot {
  salt: string;
  description: string;
  /** Every user's serialized list. */
  entries: Record<string, string>;
}

interface Swap {
  userKey: string;
  expected?: string;
  next?: string;
}

interface Change {
  userKey: string;
  /** The new serialized list; absent: the user has none. */
  raw?: string;
}

/** A worker's store: the replica, kept up to date by the primary's messages. */
export class ClusterWorkerStore implements MixinStore {
  description = 'file (through the cluster primary)';
  private keys = new UserKeys('');
  private replica = new Map<string, string>();
  private readonly parsed = new ParsedMixins();
  /** Resolves once the primary has sent the whole store. */
  readonly loaded: Promise<void>;

  /** Listens at once: the primary's first message may come before the caller's next step. */
  constructor(
    private readonly primary: Channel,
    private readonly timeoutMs: number,
  ) {
    let loaded!: () => void;
    this.loaded = new Promise((resolve) => {
      loaded = resolve;
    });
    primary.on('store:init', (body) => {
      const s = body as Snapshot;
      this.keys = new UserKeys(s.salt);
      this.description = s.description;
      this.replica = new Map(Object.entries(s.entries));
      loaded();
    });
    primary.on('store:change', (body) => {
      const c = body as Change;
      if (c.raw === undefined) this.replica.delete(c.userKey);
      else this.replica.set(c.userKey, c.raw);
    });
  }

  userKey(identity: string): string {
    return this.keys.key(identity);
  }

  list(userKey: string): Promise<readonly Mixin[]> {
    return Promise.resolve(this.parsed.get(userKey, this.replica.get(userKey)));
  }

  update(
    userKey: string,
    change: (current: readonly Mixin[]) => readonly Mixin[],
  ): Promise<readonly Mixin[]> {
    return updateBySwap(
      async () => this.replica.get(userKey),
      async (expected, next) => {
        const swap: Swap = { userKey, ...(expected ? { expected } : {}), ...(next ? { next } : {}) };
        try {
          // The primary waits up to timeoutMs for the other workers, after its own write.
          return await this.primary.request<boolean>('store:swap', swap, 2 * this.timeoutMs + 1_000);
        } catch {
          throw storeUnavailable(this.description);
        }
      },
      (raw) => this.parsed.get(userKey, raw),
      change,
    );
  }

  async check(): Promise<string> {
    return this.primary.open ? 'ok' : 'unavailable';
  }

  async close(): Promise<void> {}
}

/** The primary's side: the file, the workers holding a replica, and the order of writes. */
export class ClusterStorePrimary {
  private readonly writes = new Serial();
  private readonly members = new Map<number, Channel>();

  constructor(
    private readonly file: FileMixinStore,
    /** How long a write waits for the other workers to have it. */
    private readonly ackTimeoutMs: number,
    private readonly log: StoreLog,
  ) {}

  /** Sends a worker the whole store and, from then on, every change; serves its writes. */
  admit(id: number, channel: Channel): Promise<void> {
    channel.on('store:swap', (body) => this.swap(id, body as Swap));
    return this.writes.run(() => {
      const snapshot: Snapshot = {
        salt: this.file.salt,
        description: `${this.file.description} (through the cluster primary)`,
        entries: this.file.entries(),
      };
      channel.request('store:init', snapshot).catch(() => undefined);
      this.members.set(id, channel);
    });
  }

  leave(id: number): void {
    this.members.delete(id);
  }

  private async swap(from: number, s: Swap): Promise<boolean> {
    const acks: Promise<unknown>[] = [];
    const done = await this.writes.run(async () => {
      if (!(await this.file.swap(s.userKey, s.expected, s.next))) return false;
      // Sent inside the queue, so that every worker gets the changes in the order they were made
      // (the writer too: its answer comes after, and its replica must not go back).
      const change: Change = { userKey: s.userKey, ...(s.next ? { raw: s.next } : {}) };
      for (const [id, channel] of this.members) {
        const told = channel.request('store:change', change, this.ackTimeoutMs);
        acks.push(
          told.catch((e: Error) => {
            if (id !== from && this.members.has(id))
              this.log.warn('a worker did not confirm a user mixin change in time', {
                worker: id,
                error: e.message,
              });
          }),
        );
      }
      return true;
    });
    await Promise.all(acks);
    return done;
  }
}
