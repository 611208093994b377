// Keeps users' own mixins (tags created through POST /-/) across restarts, in a JSON file written
// atomically (temporary file, fsync, rename). Users are known only by a salted hash of their
// token or of their backend user id: no token is ever stored.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Mixin } from '../occi/model.js';

interface StoreFile {
  version: 1;
  salt: string;
  users: Record<string, Mixin[]>;
}

/** The same empty list every time, so that callers can tell "unchanged" by identity. */
const NONE: readonly Mixin[] = Object.freeze([]);

export interface Logger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export class UserMixinStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private data: StoreFile,
  ) {}

  /** Opens (or creates) the store in a state directory. A corrupt file is kept aside, never overwritten. */
  static async open(stateDir: string, log?: Logger): Promise<UserMixinStore> {
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
    const store = new UserMixinStore(
      path,
      data ?? { version: 1, salt: randomBytes(16).toString('hex'), users: {} },
    );
    if (!data) await store.persist();
    return store;
  }

  /** The key a user's data is filed under: a salted hash of what identifies them (never stored itself). */
  userKey(identity: string): string {
    return createHash('sha256')
      .update(this.data.salt)
      .update('\0')
      .update(identity)
      .digest('hex')
      .slice(0, 32);
  }

  list(userKey: string): readonly Mixin[] {
    return this.data.users[userKey] ?? NONE;
  }

  /** Replaces a user's mixins and waits until the change is on disk. */
  async set(userKey: string, mixins: Mixin[]): Promise<void> {
    const users = { ...this.data.users };
    if (mixins.length === 0) delete users[userKey];
    else users[userKey] = mixins;
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
