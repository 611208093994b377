// The default store for a single instance: users' mixins in one JSON file in the state directory,
// written atomically (temporary file, fsync, rename), read once at start. One process writes it:
// the single server, or the cluster primary on behalf of its workers (cluster-store.ts).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Mixin } from '../occi/model.js';
import {
  type MixinStore,
  NO_MIXINS,
  Serial,
  type StoreLog,
  serializeMixins,
  UserKeys,
} from './mixin-store.js';

interface StoreFile {
  version: 1;
  salt: string;
  users: Record<string, readonly Mixin[]>;
}

export class FileMixinStore implements MixinStore {
  private writing: Promise<void> = Promise.resolve();
  /** Updates run one after the other, each on what the one before left. */
  private readonly updates = new Serial();
  private readonly keys: UserKeys;
  readonly description: string;

  private constructor(
    private readonly path: string,
    private data: StoreFile,
  ) {
    this.description = `file ${path}`;
    this.keys = new UserKeys(data.salt);
  }

  /** Opens (or creates) the store in a state directory. A corrupt file is kept aside, never overwritten. */
  static async open(stateDir: string, log?: StoreLog): Promise<FileMixinStore> {
    const path = join(stateDir, 'user-mixins.json');
    await mkdir(stateDir, { recursive: true });
    let data: StoreFile | undefined;
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<StoreFile>;
      if (
        parsed.version !== 1 ||
        typeof parsed.salt !== 'string' ||
        typeof parsed.users !== 'object' ||
        parsed.users === null
      ) {
        throw new Error('unexpected content');
      }
      data = parsed as StoreFile;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        const aside = `${path}.corrupt-${Date.now()}`;
        await rename(path, aside).catch(() => undefined);
        log?.warn('user mixin store unreadable; kept aside and started empty', {
          file: aside,
          error: (e as Error).message,
        });
      }
    }
    const store = new FileMixinStore(
      path,
      data ?? { version: 1, salt: randomBytes(16).toString('hex'), users: {} },
    );
    if (!data) await store.persist();
    return store;
  }

  get salt(): string {
    return this.data.salt;
  }

  userKey(identity: string): string {
    return this.keys.key(identity);
  }

  current(userKey: string): readonly Mixin[] {
    return this.data.users[userKey] ?? NO_MIXINS;
  }

  list(userKey: string): Promise<readonly Mixin[]> {
    return Promise.resolve(this.current(userKey));
  }

  /** Every user's mixins as kept (for the cluster primary to hand to a new worker). */
  entries(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, mixins] of Object.entries(this.data.users)) out[key] = JSON.stringify(mixins);
    return out;
  }

  update(
    userKey: string,
    change: (current: readonly Mixin[]) => readonly Mixin[],
  ): Promise<readonly Mixin[]> {
    return this.updates.run(async () => {
      const next = change(this.current(userKey));
      if (next !== this.current(userKey)) await this.set(userKey, next);
      return this.current(userKey);
    });
  }

  /**
   * Compare-and-set on a user's serialized mixins (the cluster primary's primitive): writes `next`
   * only if what is kept is still `expected`. Resolves false, changing nothing, otherwise.
   */
  swap(userKey: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    return this.updates.run(async () => {
      if (serializeMixins(this.current(userKey)) !== expected) return false;
      await this.set(userKey, next === undefined ? [] : (JSON.parse(next) as Mixin[]));
      return true;
    });
  }

  async check(): Promise<string> {
    return 'ok';
  }

  async close(): Promise<void> {
    await this.updates.idle();
    await this.writing;
  }

  private async set(userKey: string, mixins: readonly Mixin[]): Promise<void> {
    const users = { ...this.data.users };
    if (mixins.length === 0) delete users[userKey];
    else users[userKey] = Object.freeze([...mixins]);
    this.data = { ...this.data, users };
    await this.persist();
  }

  /** Writes the current state; writes are serialised so that the last one always wins. */
  private persist(): Promise<void> {
    const snapshot = JSON.stringify(this.data, null, 1);
    const write = async () => {
      const tmp = join(
        dirname(this.path),
        `.user-mixins.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
      );
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(snapshot);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}
