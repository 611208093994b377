// The store for a fleet: users' mixins in Redis, shared by every instance (and every worker) that
// is given the same URL. One key per user holds the JSON list; updates are compare-and-set in a
// Lua script, retried on what another writer left, so that concurrent updates lose nothing. Reads
// go to Redis on every request that needs them (read-through, no local cache), so a mixin added
// through one instance is seen by the next request to any other. The salt that hashes identities
// is kept in Redis too, so all instances file a user under the same key.
//
// While Redis cannot be reached, requests that need it are answered 503 with Retry-After; the
// client reconnects on its own and nothing else has to be restarted. One warning is logged per
// outage, one info line when it ends.
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';
import type { Mixin } from '../occi/model.js';
import {
  type MixinStore,
  NO_MIXINS,
  ParsedMixins,
  type StoreLog,
  saltedKey,
  storeUnavailable,
  updateBySwap,
} from './mixin-store.js';

const PREFIX = 'snf-occi:';
const SALT_KEY = `${PREFIX}salt`;
const userEntry = (userKey: string) => `${PREFIX}user-mixins:${userKey}`;

/** SET the key to ARGV[2] (DEL when empty) if it still holds ARGV[1] ('' standing for absent). */
const SWAP = `
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1`;

export interface RedisStoreOptions {
  /** Time for a command to be answered (and to connect), in ms. */
  timeoutMs: number;
  log: StoreLog;
}

/** host:port/db of a Redis URL: names the store in messages without its credentials. */
function describe(url: string): string {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '') || '0';
  return `${u.protocol === 'rediss:' ? 'rediss' : 'redis'} ${u.hostname}:${u.port || '6379'}/${db}`;
}

export class RedisMixinStore implements MixinStore {
  private readonly parsed = new ParsedMixins();
  private down = false;

  private constructor(
    private readonly client: RedisClientType,
    private readonly salt: string,
    readonly description: string,
    private readonly log: StoreLog,
  ) {}

  /** Connects and reads (or sets) the shared salt; rejects when Redis cannot be reached now. */
  static async connect(url: string, options: RedisStoreOptions): Promise<RedisMixinStore> {
    const description = describe(url);
    let started = false;
    const client: RedisClientType = createClient({
      url,
      // Fail at once while disconnected, rather than queue requests until Redis is back.
      disableOfflineQueue: true,
      commandOptions: { timeout: options.timeoutMs },
      socket: {
        connectTimeout: options.timeoutMs,
        // At start-up an unreachable store is an error to report; later, reconnect for ever.
        reconnectStrategy: (retries: number, cause: Error) =>
          started ? Math.min(50 * 2 ** retries, 1_000) : cause,
      },
    });
    let store: RedisMixinStore | undefined;
    client.on('error', (e: Error) => store?.lost(e));
    client.on('ready', () => store?.back());
    try {
      await client.connect();
      await client.set(SALT_KEY, randomBytes(16).toString('hex'), { NX: true });
      const salt = await client.get(SALT_KEY);
      if (typeof salt !== 'string') throw new Error('the salt did not read back');
      started = true;
      store = new RedisMixinStore(client, salt, description, options.log);
      return store;
    } catch (e) {
      if (client.isOpen) client.destroy();
      throw new Error(`the user mixin store (${description}) cannot be reached: ${(e as Error).message}`);
    }
  }

  userKey(identity: string): string {
    return saltedKey(this.salt, identity);
  }

  async list(userKey: string): Promise<readonly Mixin[]> {
    return this.parse(userKey, await this.read(userKey));
  }

  update(
    userKey: string,
    change: (current: readonly Mixin[]) => readonly Mixin[],
  ): Promise<readonly Mixin[]> {
    return updateBySwap(
      () => this.read(userKey),
      (expected, next) =>
        this.command(async () => {
          const done = await this.client.eval(SWAP, {
            keys: [userEntry(userKey)],
            arguments: [expected ?? '', next ?? ''],
          });
          return done === 1;
        }),
      (raw) => this.parse(userKey, raw),
      change,
    );
  }

  async check(): Promise<string> {
    return this.client.isReady ? 'ok' : 'unavailable';
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.close().catch(() => this.client.destroy());
  }

  private read(userKey: string): Promise<string | undefined> {
    return this.command(async () => (await this.client.get(userEntry(userKey))) ?? undefined);
  }

  private parse(userKey: string, raw: string | undefined): readonly Mixin[] {
    try {
      return this.parsed.get(userKey, raw);
    } catch (e) {
      // Not written by snf-occi: serve the user as having none (the next update replaces it).
      this.log.warn('user mixin store: an entry is not a list of mixins; ignored', {
        store: this.description,
        error: (e as Error).message,
      });
      return NO_MIXINS;
    }
  }

  /** Runs a command; any failure to get an answer is the store being unavailable (503). */
  private async command<T>(run: () => Promise<T>): Promise<T> {
    if (!this.client.isReady) throw storeUnavailable(this.description);
    try {
      return await run();
    } catch (e) {
      this.lost(e as Error);
      throw storeUnavailable(this.description);
    }
  }

  private lost(e: Error): void {
    if (this.down) return;
    this.down = true;
    this.log.warn('user mixin store unavailable; requests that need it are answered 503', {
      store: this.description,
      error: e.message,
    });
  }

  private back(): void {
    if (!this.down) return;
    this.down = false;
    this.log.info?.('user mixin store reachable again', { store: this.description });
  }
}
