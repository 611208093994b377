// One rule set per request (issue 11): the rule set a request was accepted with serves all of it —
// the caller's model (template listings), routing, rule selection, every backend call, the read-back
// after an update and the rendering — even when the server's rule set is swapped while the request
// is in flight. Two sets, A and B, differ in everything a request can show: service URL, paths,
// bodies, kind title, template titles and the entity mapping. The fake backend holds a call of the
// request until the swap has happened (no sleeps: each side waits for the other's signal).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleSet } from '../../src/mapping/load-rules.js';
import {
  type FakeBackend,
  IDENTITY_PATH,
  type RecordedRequest,
  startFakeBackend,
} from '../support/fake-backend.js';
import { http, loadOk, type Stack, startStack } from './harness.js';

type SetName = 'A' | 'B';

/** The rule file of set A or B: the same kind and operations, every visible detail marked with the set. */
function ruleFile(set: SetName, fakeUrl: string): string {
  const x = set.toLowerCase();
  return `version: 2
identity:
  method: POST
  path: /tokens
  body: '{"auth": {"token": {"id": $token}}}'
  expect: [200]
  user: access.user.id
  catalog: 'access.serviceCatalog.{"type": type, "url": endpoints[0].publicURL}'
  ttlSeconds: 60
services:
  api: { url: "${fakeUrl}/${set}" }
kinds:
  - term: thing
    scheme: http://example.org/one#
    title: Thing of set ${set}
    parent: http://schemas.ogf.org/occi/core#resource
    location: /thing/
    attributes:
      org.example.set: { description: The rule set whose entity mapping made this entity }
mixins:
  - { term: size, scheme: "http://example.org/one#", location: /mixin/size/ }
templates:
  - name: sizes
    scheme: http://example.org/one/size#
    location: /mixin/size/
    depends: http://example.org/one#size
    applies: [http://example.org/one#thing]
    steps:
      - { name: sizes, service: api, method: GET, path: /sizes-${x}, expect: [200] }
    items: '$sizes.sizes.{"term": id, "title": name}'
entities:
  - kind: http://example.org/one#thing
    map: |
      {
        "id": $string(id),
        "title": name,
        "mixins": ["http://example.org/one/size#" & size],
        "attributes": {"org.example.set": "${set}"}
      }
rules:
  - category: http://example.org/one#thing
    operation: get
    steps:
      - { name: thing, service: api, method: GET, path: '/things-${x}/{id}', expect: [200] }
    result: '$entity($thing.thing)'
  # Two calls and no result: the engine reads the entity back with the get rule.
  - category: http://example.org/one#thing
    operation: update
    when: '$exists($request.attributes."occi.core.title")'
    steps:
      - name: rename
        service: api
        method: PUT
        path: '/things-${x}/{id}'
        body: '{"name": $request.attributes."occi.core.title", "set": "${set}"}'
        expect: [204]
      - name: touch
        service: api
        method: POST
        path: '/things-${x}/{id}/touch'
        body: '{"set": "${set}"}'
        expect: [204]
  - category: http://example.org/one#thing
    operation: update
    unsupported: set ${set} renames things only
`;
}

/** A promise and the function that settles it: one side of a hand-over between test and fake. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((r) => {
    fire = r;
  });
  return { promise, fire };
}

const TEXT = { Accept: 'text/plain' };
const rename = (stack: Stack, token: string) =>
  http(stack.url, 'POST', '/thing/1', {
    headers: { ...TEXT, 'X-Auth-Token': token, 'Content-Type': 'text/plain' },
    body: 'X-OCCI-Attribute: occi.core.title="renamed"\n',
  });

/** What the fake received for a request, identity checks left out, as `METHOD path`. */
const lines = (requests: RecordedRequest[]) =>
  requests.filter((r) => r.path !== IDENTITY_PATH).map((r) => `${r.method} ${r.path}`);

/** Everything set A's answer to the rename shows, in text/plain. */
function expectServedByA(body: string): void {
  const rendered = body.split('\n');
  expect(rendered).toContain(
    'Category: thing; scheme="http://example.org/one#"; class="kind"; title="Thing of set A"',
  );
  expect(rendered).toContain(
    'Category: small; scheme="http://example.org/one/size#"; class="mixin"; title="Small of set A"',
  );
  expect(rendered).toContain('X-OCCI-Attribute: org.example.set="A"');
  expect(rendered).toContain('X-OCCI-Attribute: occi.core.title="renamed"');
  expect(body).not.toMatch(/set B|="B"/);
}

describe('one rule set per request', () => {
  let fake: FakeBackend;
  let stack: Stack;
  let dirs: string[] = [];
  let names = new Map<string, string>();

  async function ruleSet(set: SetName): Promise<RuleSet> {
    const dir = await mkdtemp(join(tmpdir(), `snf-occi-set-${set}-`));
    dirs.push(dir);
    await writeFile(join(dir, 'rules.yaml'), ruleFile(set, fake.url));
    return loadOk(dir);
  }

  /** The DNS-free backend both sets talk to, each under its own prefix. */
  function scriptBackend(): void {
    names = new Map();
    for (const set of ['A', 'B'] as const) {
      const x = set.toLowerCase();
      fake.on('GET', `/${set}/sizes-${x}`, {
        status: 200,
        body: { sizes: [{ id: 'small', name: `Small of set ${set}` }] },
      });
      fake.on('GET', new RegExp(`^/${set}/things-${x}/(\\d+)$`), (_req, m) => ({
        status: 200,
        body: { thing: { id: Number(m[1]), name: names.get(m[1]!) ?? 'old', size: 'small' } },
      }));
      fake.on('PUT', new RegExp(`^/${set}/things-${x}/(\\d+)$`), (req, m) => {
        names.set(m[1]!, (req.body as { name: string }).name);
        return { status: 204 };
      });
      fake.on('POST', new RegExp(`^/${set}/things-${x}/\\d+/touch$`), { status: 204 });
    }
  }

  beforeAll(async () => {
    fake = await startFakeBackend({ cycladesTemplates: false });
    stack = await startStack({ fake, ruleSet: await ruleSet('A') });
  });
  afterAll(async () => {
    await stack.close();
    await fake.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    dirs = [];
  });

  it('a swap while the identity check is held: model, routing, rule, calls, read-back and rendering are all set A', async () => {
    fake.reset();
    scriptBackend();
    const [a, b] = [await ruleSet('A'), await ruleSet('B')];
    stack.server.setRuleSet(a);
    const token = 'tok-held-identity';
    const held = signal();
    const swapped = signal();
    // The first backend interaction of the request: nothing of the rule set has been used by the
    // engine yet but what was handed to it when the request was accepted.
    fake.on(
      'POST',
      IDENTITY_PATH,
      async () => {
        held.fire();
        await swapped.promise;
        return { status: 200, body: { access: { user: { id: 'held-user' }, serviceCatalog: [] } } };
      },
      1,
    );
    const inFlight = rename(stack, token);
    await held.promise;
    stack.server.setRuleSet(b);
    expect(stack.server.state().ruleSet).toBe(b);
    swapped.fire();
    const res = await inFlight;
    expect(res.status, res.body).toBe(200);
    expect(lines(fake.requests)).toEqual([
      'GET /A/sizes-a',
      'PUT /A/things-a/1',
      'POST /A/things-a/1/touch',
      'GET /A/things-a/1',
    ]);
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.body).toEqual({ name: 'renamed', set: 'A' });
    expect(fake.requests.find((r) => r.path.endsWith('/touch'))!.body).toEqual({ set: 'A' });
    for (const r of fake.requests) expect(r.token ?? token).toBe(token);
    expectServedByA(res.body);

    // The next request is served by the new set, from its own calls.
    const before = fake.requests.length;
    const next = await http(stack.url, 'GET', '/thing/1', { headers: { ...TEXT, 'X-Auth-Token': token } });
    expect(next.status, next.body).toBe(200);
    expect(lines(fake.requests.slice(before))).toEqual(['GET /B/sizes-b', 'GET /B/things-b/1']);
    expect(next.body).toContain('title="Thing of set B"');
    expect(next.body).toContain('X-OCCI-Attribute: org.example.set="B"');
  });

  it('a swap while the first rule call is held: the later calls, the read-back and the rendering stay on set A', async () => {
    fake.reset();
    scriptBackend();
    const [a, b] = [await ruleSet('A'), await ruleSet('B')];
    stack.server.setRuleSet(a);
    const token = 'tok-held-call';
    fake.tokens.set(token, { id: 'call-user' });
    const held = signal();
    const swapped = signal();
    fake.on(
      'PUT',
      '/A/things-a/1',
      async (req) => {
        held.fire();
        await swapped.promise;
        names.set('1', (req.body as { name: string }).name);
        return { status: 204 };
      },
      1,
    );
    const inFlight = rename(stack, token);
    await held.promise;
    const seen = fake.requests.length;
    stack.server.setRuleSet(b);
    swapped.fire();
    const res = await inFlight;
    expect(res.status, res.body).toBe(200);
    expect(lines(fake.requests)).toEqual([
      'GET /A/sizes-a',
      'PUT /A/things-a/1',
      'POST /A/things-a/1/touch',
      'GET /A/things-a/1',
    ]);
    // What came after the swap: set A's second step and its get rule's read-back.
    expect(lines(fake.requests.slice(seen))).toEqual(['POST /A/things-a/1/touch', 'GET /A/things-a/1']);
    expect(fake.requests.find((r) => r.path.endsWith('/touch'))!.body).toEqual({ set: 'A' });
    expectServedByA(res.body);
  });
});
