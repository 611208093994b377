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
  storeUnavailable,
  UserKeys,
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

class DeadlineError extends Error {}

/** `work`, or a DeadlineError after `ms`. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function newClient(url: string, timeoutMs: number, reconnect: () => boolean): RedisClientType {
  return createClient({
    url,
    // Fail at once while disconnected, rather than queue requests until Redis is back.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: timeoutMs,
      reconnectStrategy: (retries: number, cause: Error) =>
        reconnect() ? Math.min(50 * 2 ** retries, 1_000) : cause,
    },
  });
}

export class RedisMixinStore implements MixinStore {
  private readonly parsed = new ParsedMixins();
  private down = false;
  private closed = false;

  private constructor(
    private client: RedisClientType,
    private readonly keys: UserKeys,
    readonly description: string,
    private readonly url: string,
    private readonly options: RedisStoreOptions,
  ) {
    this.watch(client);
  }

  /** Connects and reads (or sets) the shared salt; rejects when Redis cannot be reached now. */
  static async connect(url: string, options: RedisStoreOptions): Promise<RedisMixinStore> {
    const description = describe(url);
    // At start-up an unreachable store is an error to report; later, reconnect for ever.
    let started = false;
    const client = newClient(url, options.timeoutMs, () => started);
    client.on('error', () => {}); // reported by connect()'s rejection
    try {
      await withDeadline(client.connect(), options.timeoutMs);
      await withDeadline(
        client.set(SALT_KEY, randomBytes(16).toString('hex'), { NX: true }),
        options.timeoutMs,
      );
      const salt = await withDeadline(client.get(SALT_KEY), options.timeoutMs);
      if (typeof salt !== 'string') throw new Error('the salt did not read back');
      client.removeAllListeners('error');
      started = true;
      return new RedisMixinStore(client, new UserKeys(salt), description, url, options);
    } catch (e) {
      if (client.isOpen) client.destroy();
      throw new Error(`the user mixin store (${description}) cannot be reached: ${(e as Error).message}`);
    }
  }

  userKey(identity: string): string {
    return this.keys.key(identity);
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
        this.command(async (client) => {
          const done = await client.eval(SWAP, {
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
    this.closed = true;
    if (this.client.isOpen) await this.client.close().catch(() => this.client.destroy());
  }

  private read(userKey: string): Promise<string | undefined> {
    return this.command(async (client) => (await client.get(userEntry(userKey))) ?? undefined);
  }

  private parse(userKey: string, raw: string | undefined): readonly Mixin[] {
    try {
      return this.parsed.get(userKey, raw);
    } catch (e) {
      // Not written by snf-occi: serve the user as having none (the next update replaces it).
      this.options.log.warn('user mixin store: an entry is not a list of mixins; ignored', {
        store: this.description,
        error: (e as Error).message,
      });
      return NO_MIXINS;
    }
  }

  /**
   * Runs a command; any failure to get an answer in time is the store being unavailable (503).
   * node-redis bounds only the time to send a command, not to get its answer: a Redis that hangs
   * would hold every request, so past the deadline the connection is dropped for a new one.
   */
  private async command<T>(run: (client: RedisClientType) => Promise<T>): Promise<T> {
    const client = this.client;
    if (!client.isReady) {
      this.lost(new Error('not connected'));
      throw storeUnavailable(this.description);
    }
    try {
      const answer = await withDeadline(run(client), this.options.timeoutMs);
      this.back();
      return answer;
    } catch (e) {
      this.lost(e as Error);
      if (e instanceof DeadlineError) this.reconnect(client);
      throw storeUnavailable(this.description);
    }
  }

  private reconnect(stale: RedisClientType): void {
    if (this.client !== stale || this.closed) return;
    this.client = newClient(this.url, this.options.timeoutMs, () => true);
    this.watch(this.client);
    this.client.connect().catch(() => undefined); // retried by the reconnect strategy
    stale.destroy();
  }

  private watch(client: RedisClientType): void {
    client.on('error', (e: Error) => this.lost(e));
    client.on('ready', () => this.back());
  }

  private lost(e: Error): void {
    if (this.down) return;
    this.down = true;
    this.options.log.warn('user mixin store unavailable; requests that need it are answered 503', {
      store: this.description,
      error: e.message,
    });
  }

  private back(): void {
    if (!this.down) return;
    this.down = false;
    this.options.log.info?.('user mixin store reachable again', { store: this.description });
  }
}
