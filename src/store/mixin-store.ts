// What the server asks of the place users' own mixins are kept (tags created through POST /-/):
// a list per user and an atomic update. Three kinds keep them: a JSON file for a single process
// (file-store.ts), Redis for a fleet of instances (redis-store.ts), and the cluster primary's
// file for the workers of one machine (cluster-store.ts). Users are known only by a salted hash
// of what identifies them: no token is ever stored.
import { createHash } from 'node:crypto';
import { OcciError } from '../occi/errors.js';
import type { Mixin } from '../occi/model.js';

export interface MixinStore {
  /** What and where the store is, for messages and logs (never a password): 'redis 10.0.0.5:6379/0'. */
  readonly description: string;
  /** The key a user's data is filed under: a salted hash of what identifies them. */
  userKey(identity: string): string;
  /** A user's mixins; the same array (by identity) as long as they have not changed. */
  list(userKey: string): Promise<readonly Mixin[]>;
  /**
   * Replaces a user's mixins by `change(current)`, atomically: when another writer changed them
   * meanwhile, `change` runs again on what that writer left, so no update is lost. What `change`
   * throws (a conflict, a limit) aborts the update and is thrown. Resolves once the new list is kept.
   */
  update(userKey: string, change: (current: readonly Mixin[]) => readonly Mixin[]): Promise<readonly Mixin[]>;
  /** For /readyz: 'ok' or what is wrong. */
  check(): Promise<string>;
  close(): Promise<void>;
}

export interface StoreLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
}

/** The same empty list every time, so that callers can tell "unchanged" by identity. */
export const NO_MIXINS: readonly Mixin[] = Object.freeze([]);

/** 503 for a request that needs the store while it cannot be reached: the client may retry. */
export function storeUnavailable(description: string): OcciError {
  return new OcciError(503, `the user mixin store (${description}) is unavailable; try again shortly`, {
    'Retry-After': '1',
  });
}

/**
 * The keys users are filed under: a salted hash of what identifies them, remembered per identity
 * (bounded, in memory only, like the session cache's digests) so that a request does not pay for
 * a sha256.
 */
export class UserKeys {
  private readonly known = new Map<string, string>();

  constructor(private readonly salt: string) {}

  key(identity: string): string {
    let key = this.known.get(identity);
    if (key === undefined) {
      key = createHash('sha256').update(this.salt).update('\0').update(identity).digest('hex').slice(0, 32);
      this.known.set(identity, key);
      if (this.known.size > 10_000) this.known.delete(this.known.keys().next().value!);
    }
    return key;
  }
}

/** Runs tasks one after the other, each once the one before has settled (a failure stops nothing). */
export class Serial {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const next = this.last.then(task);
    this.last = next.catch(() => undefined);
    return next;
  }

  /** Settles once every task queued so far has. */
  idle(): Promise<unknown> {
    return this.last;
  }
}

/** A user's mixins as kept: JSON, absent when there are none. */
export function serializeMixins(mixins: readonly Mixin[]): string | undefined {
  return mixins.length === 0 ? undefined : JSON.stringify(mixins);
}

/**
 * Parses what a store keeps for one user, and gives back the same array while the text is the
 * same (views rendered from a user's mixins are cached by that identity).
 */
export class ParsedMixins {
  private readonly last = new Map<string, { raw: string; mixins: readonly Mixin[] }>();

  constructor(private readonly maxUsers = 10_000) {}

  get(userKey: string, raw: string | undefined | null): readonly Mixin[] {
    if (raw === undefined || raw === null) {
      this.last.delete(userKey);
      return NO_MIXINS;
    }
    const known = this.last.get(userKey);
    if (known?.raw === raw) return known.mixins;
    const mixins = Object.freeze(parseMixinList(raw));
    this.last.set(userKey, { raw, mixins });
    if (this.last.size > this.maxUsers) this.last.delete(this.last.keys().next().value!);
    return mixins;
  }
}

function parseMixinList(raw: string): Mixin[] {
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new Error('a user entry is not a list of mixins');
  return parsed as Mixin[];
}

/** How many times an update is tried again after losing a race, before the caller is told (409). */
export const MAX_UPDATE_ATTEMPTS = 50;

/**
 * An atomic update over a compare-and-set primitive (Redis, the cluster primary): read, change,
 * write if nobody wrote in between, else again on what is there now.
 */
export async function updateBySwap(
  read: () => Promise<string | undefined>,
  swap: (expected: string | undefined, next: string | undefined) => Promise<boolean>,
  parse: (raw: string | undefined) => readonly Mixin[],
  change: (current: readonly Mixin[]) => readonly Mixin[],
): Promise<readonly Mixin[]> {
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const raw = await read();
    const next = change(parse(raw));
    const nextRaw = serializeMixins(next);
    if (nextRaw === raw || (await swap(raw, nextRaw))) return parse(nextRaw);
  }
  throw new OcciError(409, 'your mixins are being changed by other requests at the same time; try again');
}
