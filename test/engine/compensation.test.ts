// Compensation: when a step fails, every completed call is undone, newest first — per item for
// forEach steps (each with its own answer, as `$<step>`, and its `$item`) — and the original
// failure is reported. A compensation that fails is handed to the backend's `later` for retrying.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendResponse } from '../../src/backend/backend-client.js';
import { requestScope } from '../../src/engine/request-scope.js';
import {
  type Backend,
  type Leftover,
  type PlannedCall,
  type RunContext,
  runRule,
  runSteps,
} from '../../src/engine/run-plan.js';
import { loadRules } from '../../src/mapping/load-rules.js';
import { ruleKey } from '../../src/mapping/plan.js';
import { OcciError } from '../../src/occi/errors.js';

const RULES = `version: 2
kinds:
  - { term: bundle, scheme: "http://example.org/occi#", parent: "http://schemas.ogf.org/occi/core#resource", location: /bundle/ }
services:
  api: { url: "http://backend.invalid/api" }
faults:
  message: '$.*.message'
rules:
  - category: http://example.org/occi#bundle
    operation: create
    steps:
      - name: group
        service: api
        method: POST
        path: /groups
        body: '{"name": $request.name}'
        compensate: { service: api, method: DELETE, path: '/groups/{group.id}' }
      - { name: names, value: '["a", "b", "c"]' }
      - name: members
        forEach: '$names'
        service: api
        method: POST
        path: '/groups/{group.id}/members/{item}'
        compensate: { service: api, method: DELETE, path: '/members/{members.id}?member={item}' }
`;

async function createRule() {
  const dir = await mkdtemp(join(tmpdir(), 'snf-occi-comp-'));
  await writeFile(join(dir, 'rules.yaml'), RULES);
  const loaded = await loadRules(dir);
  expect(loaded.problems).toEqual([]);
  const ruleSet = loaded.ruleSet!;
  const rule = ruleSet.mapping.rules.get(ruleKey('http://example.org/occi#bundle', 'create'))![0]!;
  return { ruleSet, rule };
}

/** A backend answering each call with a fresh id, except those `failOn` picks (409). */
function backend(failOn: (call: PlannedCall) => boolean) {
  const calls: string[] = [];
  const later: Leftover[] = [];
  let next = 1;
  const b: Backend = {
    async send(call: PlannedCall): Promise<BackendResponse> {
      calls.push(`${call.method} ${call.path}`);
      if (failOn(call))
        return { status: 409, headers: {}, body: { conflict: { message: `${call.path} is taken` } } };
      return { status: call.method === 'DELETE' ? 204 : 201, headers: {}, body: { id: `id${next++}` } };
    },
    sleep: async () => {},
    later: (what) => {
      later.push(what);
    },
  };
  return { calls, later, backend: b };
}

/** Runs the create rule as the engine does: in the request's scope, with `$request`. */
async function run(b: Backend) {
  const { ruleSet, rule } = await createRule();
  const { scope, budget } = await requestScope(ruleSet.mapping, ruleSet.registry, 'req-1');
  const ctx: RunContext = { mapping: ruleSet.mapping, backend: b, budget };
  return runRule(rule, scope.child({ request: { name: 'g' } }), ctx);
}

describe('compensation', () => {
  it('undoes each completed forEach item with its own answer and item, then the earlier steps, newest first', async () => {
    const b = backend((c) => c.path.endsWith('/members/c'));
    const error = await run(b.backend).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OcciError);
    expect((error as OcciError).status).toBe(409);
    expect((error as OcciError).message).toBe('/groups/id1/members/c is taken');
    expect(b.calls).toEqual([
      'POST /groups',
      'POST /groups/id1/members/a',
      'POST /groups/id1/members/b',
      'POST /groups/id1/members/c',
      'DELETE /members/id3?member=b',
      'DELETE /members/id2?member=a',
      'DELETE /groups/id1',
    ]);
    expect(b.later).toEqual([]);
  });

  it('undoes nothing when the first call fails, and nothing after a success', async () => {
    const failing = backend((c) => c.path === '/groups');
    await expect(run(failing.backend)).rejects.toBeInstanceOf(OcciError);
    expect(failing.calls).toEqual(['POST /groups']);
    const fine = backend(() => false);
    await run(fine.backend);
    expect(fine.calls).toEqual([
      'POST /groups',
      'POST /groups/id1/members/a',
      'POST /groups/id1/members/b',
      'POST /groups/id1/members/c',
    ]);
  });

  it('hands a compensation that fails over for retrying, and still answers with the original failure', async () => {
    const b = backend((c) => c.path.endsWith('/members/b') || c.path === '/groups/id1');
    const error = await run(b.backend).catch((e: unknown) => e);
    expect((error as OcciError).status).toBe(409);
    expect((error as OcciError).message).toBe('/groups/id1/members/b is taken');
    // The member made is undone; the group's DELETE fails (409) and is left for a retry.
    expect(b.calls).toEqual([
      'POST /groups',
      'POST /groups/id1/members/a',
      'POST /groups/id1/members/b',
      'DELETE /members/id2?member=a',
      'DELETE /groups/id1',
    ]);
    expect(b.later).toMatchObject([
      {
        kind: 'compensation',
        step: 'group',
        call: 'DELETE api /groups/id1',
        origin: { file: expect.any(String) },
      },
    ]);
  });

  it('runSteps alone compensates the same way (the steps of a rule without its result)', async () => {
    const { ruleSet, rule } = await createRule();
    const { scope, budget } = await requestScope(ruleSet.mapping, ruleSet.registry, 'req-2');
    const b = backend((c) => c.path.endsWith('/members/b'));
    await expect(
      runSteps(
        rule.steps,
        scope.child({ request: { name: 'g' } }),
        { mapping: ruleSet.mapping, backend: b.backend, budget },
        rule.origin,
      ),
    ).rejects.toMatchObject({ status: 409 });
    expect(b.calls.filter((c) => c.startsWith('DELETE'))).toEqual([
      'DELETE /members/id2?member=a',
      'DELETE /groups/id1',
    ]);
  });
});
