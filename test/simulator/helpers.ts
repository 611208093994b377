// Test helpers: an in-process simulator on an ephemeral port with zero delays, and a small JSON
// client that returns status, headers and the parsed body.
import { afterAll, beforeAll, expect } from 'vitest';
import { type RunningSimulator, type SimulatorOptions, startSimulator } from '../../src/simulator/index.js';

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  body: any;
}

export interface Client {
  token: string;
  userId: string;
  projectId: string;
  get(path: string, headers?: Record<string, string>): Promise<Res>;
  head(path: string): Promise<Res>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  put(path: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  del(path: string): Promise<Res>;
  raw(
    method: string,
    path: string,
    init?: { body?: string | Buffer; headers?: Record<string, string> },
  ): Promise<Res>;
}

/** Paths are relative to the simulator root: '/compute/v2.0/servers'. */
export function client(sim: RunningSimulator, user = 0): Client {
  const u = sim.users[user];
  if (!u) throw new Error(`no user ${user}`);
  const raw = async (
    method: string,
    path: string,
    init: { body?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<Res> => {
    const r = await fetch(sim.url + path, {
      method,
      headers: { 'X-Auth-Token': u.token, ...init.headers },
      body: init.body,
    });
    const text = await r.text();
    let body: unknown = null;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
    }
    return { status: r.status, headers: r.headers, text, body };
  };
  const withJson = (method: string) => (path: string, body?: unknown, headers?: Record<string, string>) =>
    raw(method, path, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', ...headers },
    });
  return {
    token: u.token,
    userId: u.userId,
    projectId: u.projectId,
    get: (path, headers) => raw('GET', path, { headers }),
    head: (path) => raw('HEAD', path),
    post: withJson('POST'),
    put: withJson('PUT'),
    del: (path) => raw('DELETE', path),
    raw,
  };
}

/**
 * Waits until the clock has moved on by at least a millisecond, so that timestamps taken before
 * and after differ (changes-since compares them): waiting for that, not sleeping some time.
 */
export async function clockTick(): Promise<void> {
  const start = Date.now();
  while (Date.now() <= start) await new Promise((resolve) => setImmediate(resolve));
}

/** Starts a zero-delay simulator for the enclosing describe/file and closes it afterwards. */
export function useSimulator(opts: SimulatorOptions = {}): { sim: RunningSimulator } {
  const holder = {} as { sim: RunningSimulator };
  beforeAll(async () => {
    holder.sim = await startSimulator({ delayMs: 0, tokens: ['token-alice', 'token-bob'], ...opts });
  });
  afterAll(async () => {
    await holder.sim?.close();
  });
  return holder;
}

export const C = '/compute/v2.0';
export const N = '/network/v2.0';
export const V = '/volume/v2.0';

/** The first ACTIVE public image id. */
export async function anImage(c: Client): Promise<string> {
  const r = await c.get(`${C}/images/detail`);
  return r.body.images.find((i: { status: string }) => i.status === 'ACTIVE').id;
}

/** Creates a server and waits for its build to finish; returns its id. */
export async function activeServer(
  sim: RunningSimulator,
  c: Client,
  extra: Record<string, unknown> = {},
): Promise<number> {
  const r = await c.post(`${C}/servers`, {
    server: { name: 'vm', imageRef: await anImage(c), flavorRef: 1, ...extra },
  });
  if (r.status !== 202) throw new Error(`create failed: ${r.status} ${r.text}`);
  await sim.settle();
  return r.body.server.id;
}

export function expectFault(r: Res, status: number, name: string, message?: string | RegExp): void {
  expect({ status: r.status, keys: r.body ? Object.keys(r.body) : r.text }).toEqual({ status, keys: [name] });
  const f = r.body[name];
  expect(f).toEqual({ code: status, message: expect.any(String), details: expect.any(String) });
  if (message instanceof RegExp) expect(f.message).toMatch(message);
  else if (message !== undefined) expect(f.message).toBe(message);
}
