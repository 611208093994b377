// Recovery through the plan runner, over a stub backend: a create step whose answer is lost
// (timeout, reset, a 5xx other than 501/503) is looked up by the marker it carries (`findLost`)
// and undone if it was made; a refused connection, 501 and 503 say nothing was done, so nothing
// is looked up; a lookup that fails is handed over for retrying. A step without `compensate` (a
// delete) found done counts as made. A clean-up step that fails does not fail the rule: the clean-up
// from that step on is handed over, the steps before it are not undone.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendFailure, type BackendResponse } from '../../src/backend/backend-client.js';
import { requestScope } from '../../src/engine/request-scope.js';
import { type Backend, type Leftover, type PlannedCall, runRule } from '../../src/engine/run-plan.js';
import { loadRules } from '../../src/mapping/load-rules.js';
import { type OperationName, ruleKey } from '../../src/mapping/plan.js';
import { OcciError } from '../../src/occi/errors.js';

const BUNDLE = 'http://example.org/occi#bundle';
const RULES = `version: 2
kinds:
  - { term: bundle, scheme: "http://example.org/occi#", parent: "http://schemas.ogf.org/occi/core#resource", location: /bundle/ }
services:
  api: { url: "http://backend.invalid/api" }
rules:
  - category: ${BUNDLE}
    operation: create
    steps:
      - name: thing
        service: api
        method: POST
        path: /things
        body: '{"marker": $requestId}'
        compensate: { service: api, method: DELETE, path: '/things/{thing.id}', expect: [204, 404] }
        findLost:
          service: api
          method: GET
          path: /things
          answer: '$found.things[marker = $requestId][0]'
      - { name: part, service: api, method: POST, path: '/things/{thing.id}/parts' }
  - category: ${BUNDLE}
    operation: delete
    steps:
      - name: delete
        service: api
        method: DELETE
        path: '/things/{id}'
        expect: [204]
        findLost: { service: api, method: GET, path: '/things/{id}', expect: [200, 404], answer: '$exists($found.gone) ? {}' }
      - { name: release, cleanup: true, service: api, method: DELETE, path: '/extras/{id}', expect: [204, 404] }
      - { name: notify, cleanup: true, service: api, method: POST, path: /notes, body: '{"about": $id}' }
`;

type Outcome = 'answer' | 'lost' | 'refused' | 'timeout' | number;

/**
 * A backend keeping things by id: POST /things makes one (with the body's marker), GET /things lists
 * them, DELETE /things/{id} removes one; `outcome` decides, per call, whether it acts and answers.
 */
function stubBackend(outcome: (call: PlannedCall) => Outcome = () => 'answer') {
  const things = new Map<string, { id: string; marker: unknown }>();
  const calls: string[] = [];
  const later: { what: Leftover; task: () => Promise<void> }[] = [];
  let next = 1;
  const act = (call: PlannedCall): BackendResponse => {
    const ok = (status: number, body?: unknown) => ({ status, headers: {}, body });
    if (call.method === 'POST' && call.path === '/things') {
      const thing = { id: `t${next++}`, marker: (call.body as { marker: unknown }).marker };
      things.set(thing.id, thing);
      return ok(201, thing);
    }
    if (call.method === 'GET' && call.path === '/things') return ok(200, { things: [...things.values()] });
    const one = /^\/things\/([^/]+)$/.exec(call.path);
    if (one && call.method === 'GET')
      return things.has(one[1]!) ? ok(200, things.get(one[1]!)) : ok(404, { gone: true });
    if (one && call.method === 'DELETE') return things.delete(one[1]!) ? ok(204) : ok(404, { gone: true });
    return ok(call.method === 'DELETE' ? 204 : 201, { id: `x${next++}` });
  };
  const backend: Backend = {
    async send(call) {
      calls.push(`${call.method} ${call.path}`);
      const o = outcome(call);
      if (o === 'refused') throw new BackendFailure('unreachable', 'backend unreachable (ECONNREFUSED)');
      if (typeof o === 'number') return { status: o, headers: {}, body: { error: { message: `${o}` } } };
      const answer = act(call);
      if (o === 'lost') throw new BackendFailure('unreachable', 'backend unreachable (ECONNRESET)');
      if (o === 'timeout') throw new BackendFailure('timeout', 'backend did not answer in time');
      return answer;
    },
    sleep: async () => {},
    later: (what, task) => {
      later.push({ what, task });
    },
  };
  return { backend, things, calls, later };
}

async function run(b: Backend, operation: OperationName, id?: string) {
  const dir = await mkdtemp(join(tmpdir(), 'snf-occi-recovery-'));
  await writeFile(join(dir, 'rules.yaml'), RULES);
  const loaded = await loadRules(dir);
  expect(loaded.problems).toEqual([]);
  const ruleSet = loaded.ruleSet!;
  const rule = ruleSet.mapping.rules.get(ruleKey(BUNDLE, operation))![0]!;
  const { scope, budget } = await requestScope(ruleSet.mapping, ruleSet.registry, 'req-42');
  return runRule(rule, scope.child({ request: {}, id }), { mapping: ruleSet.mapping, backend: b, budget });
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as OcciError,
  );
/** The first POST /things: the create step's own call. */
const createCall = (c: PlannedCall) => c.method === 'POST' && c.path === '/things';

describe('findLost: a create whose answer was lost', () => {
  it.each([
    ['lost', 502],
    [500, 502],
  ] as const)(
    '%s after the backend acted: found by its marker and deleted; the client gets %i',
    async (o, status) => {
      const b = stubBackend((c) => (createCall(c) ? o : 'answer'));
      const error = await failure(run(b.backend, 'create'));
      expect(error).toBeInstanceOf(OcciError);
      expect(error?.status).toBe(status);
      if (typeof o === 'number') {
        // The 5xx stub answers without acting: looked for, nothing found, nothing deleted.
        expect(b.calls).toEqual(['POST /things', 'GET /things']);
      } else {
        expect(b.calls).toEqual(['POST /things', 'GET /things', 'DELETE /things/t1']);
      }
      expect(b.things.size).toBe(0);
      expect(b.later).toEqual([]);
    },
  );

  it('timeout after the backend acted: the client gets 504 at once; the lookup and the delete are done later', async () => {
    const b = stubBackend((c) => (createCall(c) ? 'timeout' : 'answer'));
    const error = await failure(run(b.backend, 'create'));
    expect(error?.status).toBe(504);
    // A backend that did not answer in time may not answer the lookup either: nothing else to
    // undo, so the client is not kept waiting for it.
    expect(b.calls).toEqual(['POST /things']);
    expect(b.later.map((l) => l.what)).toMatchObject([{ kind: 'lost reply', step: 'thing' }]);
    await b.later[0]!.task();
    expect(b.calls).toEqual(['POST /things', 'GET /things', 'DELETE /things/t1']);
    expect(b.things.size).toBe(0);
  });

  it.each(['refused', 501, 503] as const)('%s: nothing was done, so nothing is looked up', async (o) => {
    const b = stubBackend((c) => (createCall(c) ? o : 'answer'));
    const error = await failure(run(b.backend, 'create'));
    // A backend's 503 stays 503 (try again later); a 501 is the backend's fault: 502.
    expect(error?.status).toBe(o === 503 ? 503 : 502);
    expect(b.calls).toEqual(['POST /things']);
  });

  it('a lookup that fails is handed over; run later, it finds the thing and deletes it', async () => {
    let lookups = 0;
    const b = stubBackend((c) => {
      if (createCall(c)) return 'lost';
      if (c.method === 'GET' && c.path === '/things') return ++lookups === 1 ? 500 : 'answer';
      return 'answer';
    });
    expect((await failure(run(b.backend, 'create')))?.status).toBe(502);
    expect(b.things.size).toBe(1);
    expect(b.later.map((l) => l.what)).toMatchObject([
      { kind: 'lost reply', step: 'thing', call: expect.stringContaining('POST api /things (answer lost: ') },
    ]);
    await b.later[0]!.task();
    expect(b.things.size).toBe(0);
    expect(b.calls.slice(-2)).toEqual(['GET /things', 'DELETE /things/t1']);
  });

  it('a later step failing undoes the made thing as usual (no lookup)', async () => {
    const b = stubBackend((c) => (c.path.endsWith('/parts') ? 409 : 'answer'));
    expect((await failure(run(b.backend, 'create')))?.status).toBe(409);
    expect(b.calls).toEqual(['POST /things', 'POST /things/t1/parts', 'DELETE /things/t1']);
  });
});

describe('findLost without compensate: a delete whose answer was lost', () => {
  it('found done: the delete counts as made, and the rule goes on', async () => {
    const b = stubBackend((c) =>
      c.method === 'DELETE' && c.path.startsWith('/things/') ? 'lost' : 'answer',
    );
    b.things.set('t9', { id: 't9', marker: null });
    await run(b.backend, 'delete', 't9');
    expect(b.calls).toEqual(['DELETE /things/t9', 'GET /things/t9', 'DELETE /extras/t9', 'POST /notes']);
    expect(b.later).toEqual([]);
  });

  it('not found done (the thing is still there): the client gets the call’s failure, no clean-up runs', async () => {
    const b = stubBackend((c) => (c.method === 'DELETE' && c.path.startsWith('/things/') ? 500 : 'answer'));
    b.things.set('t9', { id: 't9', marker: null });
    expect((await failure(run(b.backend, 'delete', 't9')))?.status).toBe(502);
    expect(b.calls).toEqual(['DELETE /things/t9', 'GET /things/t9']);
  });

  it('the lookup failing too: the call’s own failure stands', async () => {
    const b = stubBackend((c) =>
      c.path === '/things/t9' ? (c.method === 'DELETE' ? 'timeout' : 'refused') : 'answer',
    );
    b.things.set('t9', { id: 't9', marker: null });
    expect((await failure(run(b.backend, 'delete', 't9')))?.status).toBe(504);
    expect(b.calls).toEqual(['DELETE /things/t9', 'GET /things/t9']);
  });
});

describe('clean-up steps', () => {
  it('a failing clean-up does not fail the rule; the rest of the clean-up is handed over, nothing is undone', async () => {
    let releases = 0;
    const b = stubBackend((c) => (c.path === '/extras/t9' && ++releases === 1 ? 503 : 'answer'));
    b.things.set('t9', { id: 't9', marker: null });
    await run(b.backend, 'delete', 't9');
    expect(b.calls).toEqual(['DELETE /things/t9', 'DELETE /extras/t9']);
    expect(b.later.map((l) => l.what)).toMatchObject([
      { kind: 'clean-up', step: 'release', call: 'DELETE api /extras/{id}' },
    ]);
    await b.later[0]!.task();
    // The retry runs the failed clean-up step and those after it.
    expect(b.calls.slice(2)).toEqual(['DELETE /extras/t9', 'POST /notes']);
  });

  it('the last clean-up step failing hands over only that one', async () => {
    const b = stubBackend((c) => (c.path === '/notes' ? 'refused' : 'answer'));
    b.things.set('t9', { id: 't9', marker: null });
    await run(b.backend, 'delete', 't9');
    expect(b.later.map((l) => l.what.step)).toEqual(['notify']);
    const done = b.calls.length;
    await expect(b.later[0]!.task()).rejects.toThrow('ECONNREFUSED');
    expect(b.calls.slice(done)).toEqual(['POST /notes']);
  });
});
