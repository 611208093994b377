// The Redis store against a real redis-server: instances share the salt and the data, concurrent
// updates from several instances lose nothing, a change that throws writes nothing, an outage is
// a 503 with Retry-After (one warning) and ends without a restart, and `serve` refuses to start on
// a store it cannot reach (exit 1) or a store URL it cannot use (exit 2), never printing a password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conflict, OcciError } from '../../src/occi/errors.js';
import type { Mixin } from '../../src/occi/model.js';
import { MAX_UPDATE_ATTEMPTS, updateBySwap } from '../../src/store/mixin-store.js';
import { RedisMixinStore } from '../../src/store/redis-store.js';
import { freePort } from '../support/ports.js';
import { redisAvailable, startRedis, type TestRedis } from '../support/redis.js';
import { spawnSnfOcci, waitFor } from './ops-stack.js';

const mixin = (term: string): Mixin => ({
  class: 'mixin',
  term,
  scheme: 'http://example.org/mine#',
  location: `/${term}/`,
  depends: [],
  applies: [],
  attributes: [],
  actions: [],
});

interface Logged {
  level: 'warn' | 'info';
  message: string;
  fields?: Record<string, unknown>;
}

function recordingLog() {
  const lines: Logged[] = [];
  return {
    lines,
    warn: (message: string, fields?: Record<string, unknown>) =>
      lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    info: (message: string, fields?: Record<string, unknown>) =>
      lines.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
  };
}

/** A user's mixins, once the store answers again after an outage. */
function answering(store: RedisMixinStore, key: string) {
  const list = () =>
    store.list(key).then(
      (m) => m,
      () => undefined,
    );
  return waitFor('the store to answer again', list, 20_000);
}

let redis: TestRedis;
const opened: RedisMixinStore[] = [];

async function open(log = recordingLog(), url = redis.url) {
  const store = await RedisMixinStore.connect(url, { timeoutMs: 1_000, log });
  opened.push(store);
  return store;
}

beforeAll(async () => {
  if (redisAvailable) redis = await startRedis('s3cret-pass');
}, 30_000);

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await redis?.close();
});

describe.skipIf(!redisAvailable)('the Redis store, on a real redis-server', () => {
  it('files a user under the same key on every instance, and shows one instance’s update to the other', async () => {
    const [a, b] = [await open(), await open()];
    const key = a.userKey('user:alice');
    expect(b.userKey('user:alice')).toBe(key);
    expect(a.userKey('user:bob')).not.toBe(key);
    expect(key).not.toContain('alice');
    expect(await b.list(key)).toEqual([]);
    await a.update(key, (owned) => [...owned, mixin('web')]);
    expect((await b.list(key)).map((m) => m.term)).toEqual(['web']);
    // Unchanged data reads back as the same array (views are cached by that identity).
    expect(await b.list(key)).toBe(await b.list(key));
    await b.update(key, () => []);
    expect(await a.list(key)).toEqual([]);
  });

  it('loses no update when instances add mixins for one user at the same time', async () => {
    const stores = [await open(), await open(), await open()];
    const key = stores[0]!.userKey('user:concurrent');
    const terms = Array.from({ length: 30 }, (_, i) => `m${i}`);
    let changes = 0;
    await Promise.all(
      terms.map((term, i) =>
        stores[i % stores.length]!.update(key, (owned) => {
          changes++;
          return [...owned, mixin(term)];
        }),
      ),
    );
    const kept = (await stores[1]!.list(key)).map((m) => m.term).sort();
    expect(kept).toEqual([...terms].sort());
    // Writers did collide (and ran their change again on the other's result) rather than take turns.
    expect(changes).toBeGreaterThan(terms.length);
  });

  it('writes nothing when the change throws (a conflict found on what is there now)', async () => {
    const [a, b] = [await open(), await open()];
    const key = a.userKey('user:clash');
    await b.update(key, (owned) => [...owned, mixin('from-b')]);
    await expect(
      a.update(key, (owned) => {
        if (owned.some((m) => m.term === 'from-b')) throw conflict("Category 'from-b' already exists");
        return [...owned, mixin('from-b')];
      }),
    ).rejects.toMatchObject({ status: 409 });
    expect((await b.list(key)).map((m) => m.term)).toEqual(['from-b']);
  });

  it('answers 503 with Retry-After while Redis is down, warns once, and recovers on its own', async () => {
    const log = recordingLog();
    const store = await open(log);
    const key = store.userKey('user:outage');
    await store.update(key, () => [mixin('kept')]);
    expect(await store.check()).toBe('ok');
    await redis.stop();
    for (let i = 0; i < 5; i++) {
      const failure = await store.list(key).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(OcciError);
      expect((failure as OcciError).status).toBe(503);
      expect((failure as OcciError).headers['Retry-After']).toBe('1');
      expect((failure as OcciError).message).toContain(`redis 127.0.0.1:${redis.port}/0`);
      expect((failure as OcciError).message).not.toContain('s3cret');
    }
    await expect(store.update(key, (o) => [...o, mixin('lost')])).rejects.toMatchObject({ status: 503 });
    expect(await store.check()).toBe('unavailable');
    await redis.start();
    const back = await answering(store, key);
    expect(back.map((m) => m.term)).toEqual(['kept']);
    expect(await store.check()).toBe('ok');
    const warnings = log.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('unavailable');
    expect(JSON.stringify(log.lines)).not.toContain('s3cret');
    expect(log.lines.some((l) => l.level === 'info' && l.message.includes('reachable again'))).toBe(true);
  }, 40_000);

  it('answers 503 within the store timeout when Redis hangs, and serves again when it resumes', async () => {
    const log = recordingLog();
    const store = await open(log);
    const key = store.userKey('user:hang');
    await store.update(key, () => [mixin('before-hang')]);
    redis.pause();
    try {
      const started = Date.now();
      await expect(store.list(key)).rejects.toMatchObject({ status: 503 });
      // Bounded by the 1 s command timeout (plus scheduling), not by the hang.
      expect(Date.now() - started).toBeLessThan(5_000);
      await expect(store.update(key, (o) => [...o, mixin('during-hang')])).rejects.toMatchObject({
        status: 503,
      });
    } finally {
      redis.resume();
    }
    const back = await answering(store, key);
    expect(back.map((m) => m.term)).toEqual(['before-hang']);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  }, 40_000);

  it('refuses to open a store it cannot reach, naming it without the password', async () => {
    const port = await freePort();
    const failure = await RedisMixinStore.connect(`redis://:hunter2@127.0.0.1:${port}/3`, {
      timeoutMs: 500,
      log: recordingLog(),
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failure?.message).toContain(`redis 127.0.0.1:${port}/3`);
    expect(failure?.message).not.toContain('hunter2');
    const wrongPassword = await RedisMixinStore.connect(redis.url.replace('s3cret-pass', 'wrong'), {
      timeoutMs: 500,
      log: recordingLog(),
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(wrongPassword?.message).toMatch(/cannot be reached/);
    expect(wrongPassword?.message).not.toContain('wrong@');
  });
});

describe('an update over compare-and-set', () => {
  it('gives up with 409 after its retries when another writer always wins, having written nothing', async () => {
    let changes = 0;
    let kept: string | undefined = '[]';
    const outcome = updateBySwap(
      async () => kept,
      async () => {
        kept = `[${changes}]`; // someone else wrote first, every time
        return false;
      },
      () => [],
      (owned) => {
        changes++;
        return [...owned, mixin('never')];
      },
    );
    await expect(outcome).rejects.toMatchObject({ status: 409 });
    expect(changes).toBe(MAX_UPDATE_ATTEMPTS);
    expect(kept).not.toContain('never');
  });
});

describe.skipIf(!redisAvailable)('serve --store', () => {
  it('exits 1 when the store cannot be reached at start, and 2 on a URL it cannot use', async () => {
    const port = await freePort();
    const down = spawnSnfOcci(['serve', '--port', '0', '--store', `redis://:pw-123@127.0.0.1:${port}/0`]);
    expect((await down.exited).code).toBe(1);
    expect(down.stderr.join('\n')).toContain(
      `user mixin store (redis 127.0.0.1:${port}/0) cannot be reached`,
    );
    expect([...down.stderr, ...down.stdout].join('\n')).not.toContain('pw-123');
    for (const bad of ['memcached://127.0.0.1/0', 'redis://127.0.0.1:6379/zero', 'not a url']) {
      const refused = spawnSnfOcci(['serve', '--port', '0', '--store', bad]);
      expect((await refused.exited).code).toBe(2);
      expect(refused.stderr.join('\n')).toContain('--store');
    }
  }, 30_000);
});
