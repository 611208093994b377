// Explain equals serving, for every golden spec (test/golden/*.yaml): each spec's request is served
// exactly as test/engine/golden.test.ts serves it (the real server and engine over the scripted
// fake backend, the spec's rules and replies), and explained with the same rule set; explain's
// calls must be the calls the fake backend received, by the matching described in
// test/support/explain-matching.ts (in order, each as often as its `pending` allows, a prefix when
// the request failed in a way explain cannot foresee). Identity checks and template listings are
// left out of the served calls: they are the calls every request shares (docs/operations.md),
// which explain shows for the query interface only. The matcher itself is checked first, on
// cases it must refuse, so that a lenient matcher cannot make the comparison pass.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ExplainedCall } from '../../src/engine/explain.js';
import type { RuleSet } from '../../src/mapping/load-rules.js';
import { explain } from '../../src/server/explain.js';
import { mismatch, type ServedCall, servedCall } from '../support/explain-matching.js';
import { type FakeReply, IDENTITY_PATH, startFakeBackend } from '../support/fake-backend.js';
import { http, loadOk, materialiseDir, REPO, startStack } from './harness.js';

interface Spec {
  name: string;
  rules?: string;
  ruleValues?: Record<string, string>;
  request: { method: string; path: string; headers?: Record<string, string>; body?: string; json?: unknown };
  backend?: (FakeReply & { method: string; path: string; times?: number })[];
}

const GOLDEN_DIR = join(REPO, 'test', 'golden');
const files = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const isTemplateListing = (method: string, path: string) =>
  method === 'GET' && /^\/compute\/v2\.0\/(images|flavors)\/detail$/.test(path);

const call = (method: string, path: string, pending?: ExplainedCall['pending']): ExplainedCall => ({
  service: 'compute',
  method,
  path: `{compute}${path}`,
  step: 's',
  at: 'x.yaml:1:1',
  ...(pending ? { pending } : {}),
});
const served = (method: string, path: string): ServedCall => ({ method, service: 'compute', path });

describe('the explain/serve matcher', () => {
  it('accepts what it should', () => {
    const plan = [
      call('GET', '/servers/{id}'),
      call('PUT', '/servers/{id}', { when: 'x' }),
      call('GET', '/servers/{id}', { until: 'y' }),
      call('DELETE', '/floatingips/{item}', { forEach: 'z' }),
    ];
    expect(mismatch(plan, [served('GET', '/servers/1'), served('GET', '/servers/1')])).toBeUndefined();
    expect(
      mismatch(plan, [
        served('GET', '/servers/1'),
        served('PUT', '/servers/1'),
        served('GET', '/servers/1'),
        served('GET', '/servers/1'),
        served('DELETE', '/floatingips/5'),
        served('DELETE', '/floatingips/6'),
      ]),
    ).toBeUndefined();
    // Backtracking: the optional call does not steal the one a later call needs.
    expect(
      mismatch([call('GET', '/a', { when: 'x' }), call('GET', '/a')], [served('GET', '/a')]),
    ).toBeUndefined();
    // Groups interleave, each in order.
    const groups = [call('GET', '/a'), call('GET', '/b'), call('GET', '/c')];
    const groupOf = (c: ExplainedCall) => (c.path.endsWith('/b') ? 'second' : 'first');
    expect(
      mismatch(groups, [served('GET', '/b'), served('GET', '/a'), served('GET', '/c')], { groupOf }),
    ).toBeUndefined();
    expect(mismatch(plan, [served('GET', '/servers/1')], { prefix: true })).toBeUndefined();
    expect(mismatch(plan, [], { prefix: true })).toBeUndefined();
  });

  it('refuses what it should', () => {
    const plan = [call('GET', '/servers/{id}'), call('PUT', '/servers/{id}', { when: 'x' })];
    // An unexplained call, a missing one, a wrong order, a wrong method, a wrong service.
    expect(
      mismatch(plan, [served('GET', '/servers/1'), served('PUT', '/servers/1'), served('GET', '/x')]),
    ).toMatch(/served call 3/);
    expect(mismatch(plan, [])).toMatch(/was not served/);
    expect(mismatch(plan, [served('PUT', '/servers/1'), served('GET', '/servers/1')])).toMatch(
      /served call 1/,
    );
    expect(mismatch(plan, [served('DELETE', '/servers/1')])).toBeDefined();
    expect(mismatch(plan, [{ method: 'GET', service: 'network', path: '/servers/1' }])).toBeDefined();
    // A placeholder is one segment, not several; a known id is literal.
    expect(mismatch(plan, [served('GET', '/servers/1/x')])).toBeDefined();
    expect(mismatch([call('GET', '/servers/7')], [served('GET', '/servers/8')])).toBeDefined();
    // A call made once may not repeat unless it waits for a state.
    expect(mismatch(plan, [served('GET', '/servers/1'), served('GET', '/servers/1')])).toBeDefined();
    // Groups keep their own order.
    const groupOf = (c: ExplainedCall) => (c.path === '/c' ? 'second' : 'first');
    expect(
      mismatch([call('GET', '/a'), call('GET', '/b')], [served('GET', '/b'), served('GET', '/a')], {
        groupOf,
      }),
    ).toBeDefined();
    // Even a prefix must be in order.
    expect(mismatch(plan, [served('PUT', '/servers/1')], { prefix: true })).toBeDefined();
  });
});

const ruleSets = new Map<string, Promise<RuleSet>>();

describe('explain equals serving, for every golden spec', () => {
  it('there are golden specs', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  for (const file of files) {
    const spec = parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as Spec;
    it(`${file}: ${spec.name}`, async () => {
      const fake = await startFakeBackend();
      let ruleSet: RuleSet;
      if (spec.ruleValues) {
        const values = Object.fromEntries(
          Object.entries(spec.ruleValues).map(([k, v]) => [k, v.split('{fake}').join(fake.url)]),
        );
        ruleSet = await loadOk(await materialiseDir(join(REPO, spec.rules ?? 'mappings/'), values));
      } else {
        const dir = spec.rules ?? 'mappings/';
        if (!ruleSets.has(dir)) ruleSets.set(dir, loadOk(join(REPO, dir)));
        ruleSet = await ruleSets.get(dir)!;
      }
      const stack = await startStack({ ruleSet, fake });
      try {
        for (const b of spec.backend ?? []) {
          const { method, path, times, ...reply } = b;
          fake.on(method, path, reply, times);
        }
        const headers: Record<string, string> = { ...spec.request.headers };
        let body = spec.request.body ?? '';
        if (spec.request.json !== undefined) {
          body = JSON.stringify(spec.request.json);
          headers['Content-Type'] ??= 'application/occi+json';
        }
        const res = await http(stack.url, spec.request.method, spec.request.path, {
          headers,
          ...(body === '' ? {} : { body }),
        });

        const x = await explain(ruleSet, {
          method: spec.request.method,
          path: spec.request.path,
          headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])),
          body,
        });
        const received = fake.requests.filter(
          (r) => r.path !== IDENTITY_PATH && !isTemplateListing(r.method, r.path),
        );
        // Where each service is for this caller, as the engine resolves it.
        const bases = new Map<string, string>();
        if (received.length) {
          const session = await stack.service.sessions.resolve(ruleSet.mapping, headers['X-Auth-Token']);
          for (const name of ruleSet.mapping.services.keys())
            bases.set(
              name,
              new URL(stack.service.sessions.serviceUrl(ruleSet.mapping, session, name)).pathname,
            );
        }
        const calls = received.map((r) => servedCall(r.method, r.path, bases));
        const context = `${file}: served ${res.status} ${res.body.slice(0, 300)}; explain error ${JSON.stringify(x.error)}`;
        if (x.error) expect(res.status, context).toBe(x.error.status);
        const failed = res.status >= 400;
        expect(mismatch(x.calls, calls, { prefix: failed }), context).toBeUndefined();
        // A request that succeeded made every call explain promised; one that failed is a prefix.
        if (!failed) expect(x.error, context).toBeUndefined();
      } finally {
        await stack.close();
        await fake.close();
      }
    });
  }
});
