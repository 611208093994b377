// Golden specs: each test/golden/*.yaml file is one OCCI request run end to end through the real
// server and mapping engine (with the rules it names, the shipped mappings/ by default) against a
// scripted fake backend. A spec gives the backend replies, the backend calls expected (besides
// identity checks and template listings) and the OCCI response expected. Adding a case is adding
// a file; see the first lines of the runner below for every key.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { RuleSet } from '../../src/mapping/load-rules.js';
import {
  type FakeReply,
  IDENTITY_PATH,
  type RecordedRequest,
  startFakeBackend,
} from '../support/fake-backend.js';
import { errorText, http, loadOk, materialiseDir, REPO, startStack } from './harness.js';

interface ExpectedCall {
  method: string;
  path: string;
  token?: string;
  /** Subset of the JSON body (a string "{uuid}" in it stands for any UUID, e.g. a request id). */
  body?: unknown;
  /** The whole JSON body (with "{uuid}" as in `body`). */
  bodyExact?: unknown;
  noBody?: boolean;
  query?: Record<string, string>;
}

interface GoldenSpec {
  name: string;
  description?: string;
  /** Rules directory relative to the repository (default mappings/). */
  rules?: string;
  /**
   * Placeholders `${NAME}` to fill in the rules directory's files (it is then copied first);
   * `{fake}` in a value is the fake backend's base URL.
   */
  ruleValues?: Record<string, string>;
  request: { method: string; path: string; headers?: Record<string, string>; body?: string; json?: unknown };
  backend?: (FakeReply & { method: string; path: string; times?: number })[];
  calls?: { exact?: boolean; list: ExpectedCall[] };
  /** How many identity checks (POST /identity/v2.0/tokens) the request costs. */
  identityCalls?: number;
  /** `{fake}` and `{occi}` (the OCCI server's base URL) in expected strings stand for those URLs. */
  response: {
    status: number;
    headers?: Record<string, string>;
    headersMatch?: Record<string, string>;
    headersAbsent?: string[];
    lines?: string[];
    contains?: string[];
    notContains?: string[];
    json?: unknown;
    error?: string;
  };
  log?: { notContains?: string[]; contains?: string[] };
}

const KEYS: Record<string, string[]> = {
  spec: [
    'name',
    'description',
    'rules',
    'ruleValues',
    'request',
    'backend',
    'calls',
    'identityCalls',
    'response',
    'log',
  ],
  request: ['method', 'path', 'headers', 'body', 'json'],
  backend: [
    'method',
    'path',
    'times',
    'status',
    'body',
    'raw',
    'hugeBytes',
    'headers',
    'delayMs',
    'destroy',
    'hang',
  ],
  calls: ['exact', 'list'],
  call: ['method', 'path', 'token', 'body', 'bodyExact', 'noBody', 'query'],
  response: [
    'status',
    'headers',
    'headersMatch',
    'headersAbsent',
    'lines',
    'contains',
    'notContains',
    'json',
    'error',
  ],
  log: ['notContains', 'contains'],
};

/** Refuses misspelt keys, so that a typo in a spec cannot silently skip a check. */
function checkKeys(file: string, what: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null) throw new Error(`${file}: ${what} must be a mapping`);
  for (const k of Object.keys(value)) {
    if (!KEYS[what]!.includes(k)) throw new Error(`${file}: unknown key '${k}' in ${what}`);
  }
}

const GOLDEN_DIR = join(REPO, 'test', 'golden');
const files = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function readSpec(file: string): GoldenSpec {
  const spec = parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as GoldenSpec;
  checkKeys(file, 'spec', spec);
  checkKeys(file, 'request', spec.request);
  for (const b of spec.backend ?? []) checkKeys(file, 'backend', b);
  checkKeys(file, 'calls', spec.calls);
  for (const c of spec.calls?.list ?? []) checkKeys(file, 'call', c);
  checkKeys(file, 'response', spec.response);
  checkKeys(file, 'log', spec.log);
  if (!spec.name || !spec.request?.method || !spec.request.path || !spec.response?.status)
    throw new Error(`${file}: name, request.method, request.path and response.status are required`);
  return spec;
}

const ruleSets = new Map<string, Promise<RuleSet>>();
const rulesFor = (dir: string) => {
  let rs = ruleSets.get(dir);
  if (!rs) {
    rs = loadOk(join(REPO, dir));
    ruleSets.set(dir, rs);
  }
  return rs;
};

const isTemplateListing = (r: RecordedRequest) =>
  r.method === 'GET' && /^\/compute\/v2\.0\/(images|flavors)\/detail$/.test(r.path);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An expected body, with each "{uuid}" string standing for any UUID (values made per request). */
function expectedBody(value: unknown): unknown {
  if (value === '{uuid}') return expect.stringMatching(UUID);
  if (Array.isArray(value)) return value.map(expectedBody);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expectedBody(v)]));
  return value;
}

/**
 * Replaces {fake} (the fake backend's base URL) and {occi} (the OCCI server's, under which every
 * location it renders is absolute) in expected strings.
 */
function fill(value: string, urls: { fake: string; occi?: string }): string {
  const filled = value.split('{fake}').join(urls.fake);
  return urls.occi === undefined ? filled : filled.split('{occi}').join(urls.occi);
}

/** The same in every string of an expected JSON value. */
function fillJson(value: unknown, urls: { fake: string; occi?: string }): unknown {
  if (typeof value === 'string') return fill(value, urls);
  if (Array.isArray(value)) return value.map((v) => fillJson(v, urls));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, urls)]));
  return value;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('golden specs (test/golden/*.yaml)', () => {
  it('there are golden specs and each one is well formed', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
    const names = files.map((f) => readSpec(f).name);
    expect(new Set(names).size).toBe(names.length);
  });

  const tokensSeen = new Set<string>();
  afterAll(() => {
    // Every spec that authenticated did so with a token the fake knows or refuses: keep it honest.
    expect(tokensSeen.size).toBeGreaterThan(0);
  });

  for (const file of files) {
    const spec = readSpec(file);
    it(`${file}: ${spec.name}`, async () => {
      const fake = await startFakeBackend();
      let ruleSet: RuleSet;
      if (spec.ruleValues) {
        const values = Object.fromEntries(
          Object.entries(spec.ruleValues).map(([k, v]) => [k, fill(v, { fake: fake.url })]),
        );
        ruleSet = await loadOk(await materialiseDir(join(REPO, spec.rules ?? 'mappings/'), values));
      } else {
        ruleSet = await rulesFor(spec.rules ?? 'mappings/');
      }
      const stack = await startStack({ ruleSet, fake });
      const urls = { fake: fake.url, occi: stack.url };
      try {
        for (const b of spec.backend ?? []) {
          const { method, path, times, ...reply } = b;
          fake.on(method, path, reply, times);
        }
        const headers: Record<string, string> = { ...spec.request.headers };
        let body = spec.request.body;
        if (spec.request.json !== undefined) {
          body = JSON.stringify(spec.request.json);
          headers['Content-Type'] ??= 'application/occi+json';
        }
        const token = headers['X-Auth-Token'];
        if (token) tokensSeen.add(token);
        const res = await http(stack.url, spec.request.method, spec.request.path, {
          headers,
          ...(body === undefined ? {} : { body }),
        });
        const context = `${file}: ${res.status} ${res.body.slice(0, 500)}`;

        // The response.
        const want = spec.response;
        expect(res.status, context).toBe(want.status);
        for (const [name, value] of Object.entries(want.headers ?? {}))
          expect(res.headers.get(name), `header ${name}`).toBe(fill(value, urls));
        for (const [name, pattern] of Object.entries(want.headersMatch ?? {}))
          expect(res.headers.get(name) ?? '', `header ${name}`).toMatch(
            new RegExp(fill(pattern, { fake: escapeRegExp(urls.fake), occi: escapeRegExp(urls.occi) })),
          );
        for (const name of want.headersAbsent ?? [])
          expect(res.headers.get(name), `header ${name}`).toBeNull();
        const lines = res.body.split(/\r?\n/);
        for (const line of want.lines ?? []) expect(lines, context).toContain(fill(line, urls));
        for (const text of want.contains ?? []) expect(res.body, context).toContain(fill(text, urls));
        for (const text of want.notContains ?? []) {
          expect(res.body).not.toContain(text);
          for (const [, v] of res.headers) expect(v).not.toContain(text);
        }
        if (want.json !== undefined)
          expect(res.json, context).toMatchObject(fillJson(want.json, urls) as object);
        if (want.error !== undefined) expect(errorText(res), context).toContain(want.error);

        // The backend calls.
        const identityCalls = fake.requests.filter((r) => r.path === IDENTITY_PATH);
        if (spec.identityCalls !== undefined) expect(identityCalls).toHaveLength(spec.identityCalls);
        for (const r of identityCalls) expect(r.method).toBe('POST');
        const calls = fake.requests.filter((r) => r.path !== IDENTITY_PATH && !isTemplateListing(r));
        if (spec.calls) {
          const describeCalls = calls.map((c) => `${c.method} ${c.path} ${c.rawBody}`).join('\n');
          const expected = spec.calls.list;
          if (spec.calls.exact !== false) expect(calls.length, describeCalls).toBe(expected.length);
          let from = 0;
          for (const e of expected) {
            const index = calls.findIndex((c, i) => i >= from && c.method === e.method && c.path === e.path);
            expect(
              index,
              `expected call ${e.method} ${e.path} among:\n${describeCalls}`,
            ).toBeGreaterThanOrEqual(0);
            const call = calls[index]!;
            from = index + 1;
            if (e.token !== undefined) {
              expect(call.token).toBe(e.token);
              expect(call.headers['x-auth-token']).toBe(e.token);
            }
            if (e.body !== undefined)
              expect(call.body, describeCalls).toMatchObject(expectedBody(e.body) as object);
            if (e.bodyExact !== undefined)
              expect(call.body, describeCalls).toEqual(expectedBody(e.bodyExact));
            if (e.noBody) expect(call.rawBody).toBe('');
            if (e.query !== undefined) expect(call.query).toEqual(e.query);
          }
        }

        // Invariants of every spec: no 500, the token never in the log nor in the response.
        expect(res.status).not.toBe(500);
        const log = stack.logLines.join('');
        if (token) {
          expect(log).not.toContain(token);
          expect(res.body).not.toContain(token);
        }
        for (const text of spec.log?.notContains ?? []) expect(log).not.toContain(text);
        for (const text of spec.log?.contains ?? []) expect(log).toContain(text);
      } finally {
        await stack.close();
        await fake.close();
      }
    });
  }
});
