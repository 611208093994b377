// Compensation: when a step fails, every completed call is undone, newest first — per item for
// forEach steps (with that item's response, params and binds), and the original failure is reported.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendResponse } from '../../src/backend/backend-client.js';
import { ruleKey } from '../../src/mapping/compile-rules.js';
import { loadRules } from '../../src/mapping/load-rules.js';
import { OcciError } from '../../src/occi/errors.js';
import { type PlannedCall, runRule } from '../../src/engine/run-rule.js';

const RULES = `version: 1
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
        body: '{"name": "g"}'
        bind: { group_id: group.id }
        compensate: { service: api, method: DELETE, path: '/groups/{group_id}' }
      - name: members
        forEach: '["a", "b", "c"]'
        params: { member: item }
        service: api
        method: POST
        path: '/groups/{group_id}/members/{member}'
        bind: { member_id: members.id }
        compensate: { service: api, method: DELETE, path: '/members/{member_id}' }
`;

async function createRule() {
  const dir = await mkdtemp(join(tmpdir(), 'snf-occi-comp-'));
  await writeFile(join(dir, 'rules.yaml'), RULES);
  const loaded = await loadRules(dir);
  expect(loaded.problems).toEqual([]);
  const mapping = loaded.ruleSet!.mapping;
  return { mapping, rule: mapping.rules.get(ruleKey('http://example.org/occi#bundle', 'create'))![0]! };
}

function backend(failOn: (call: PlannedCall) => boolean) {
  const calls: string[] = [];
  let next = 1;
  const transport = async (call: PlannedCall): Promise<BackendResponse> => {
    calls.push(`${call.method} ${call.path}`);
    if (failOn(call))
      return { status: 409, headers: {}, body: { conflict: { message: 'member c is taken' } } };
    return { status: call.method === 'DELETE' ? 204 : 201, headers: {}, body: { id: `id${next++}` } };
  };
  return { calls, transport };
}

describe('compensation', () => {
  it('undoes each completed forEach item with its own response, then the earlier steps, newest first', async () => {
    const { mapping, rule } = await createRule();
    const { calls, transport } = backend((c) => c.path.endsWith('/members/c'));
    const error = await runRule(rule, {}, {}, { mapping, transport, helpers: {} }).catch((e) => e);
    expect(error).toBeInstanceOf(OcciError);
    expect((error as OcciError).status).toBe(409);
    expect(calls).toEqual([
      'POST /groups',
      'POST /groups/id1/members/a',
      'POST /groups/id1/members/b',
      'POST /groups/id1/members/c',
      'DELETE /members/id3',
      'DELETE /members/id2',
      'DELETE /groups/id1',
    ]);
  });

  it('undoes nothing when the first call fails, and nothing after a success', async () => {
    const { mapping, rule } = await createRule();
    const failing = backend((c) => c.path === '/groups');
    await expect(
      runRule(rule, {}, {}, { mapping, transport: failing.transport, helpers: {} }),
    ).rejects.toBeInstanceOf(OcciError);
    expect(failing.calls).toEqual(['POST /groups']);
    const fine = backend(() => false);
    await runRule(rule, {}, {}, { mapping, transport: fine.transport, helpers: {} });
    expect(fine.calls.filter((c) => c.startsWith('DELETE'))).toEqual([]);
  });

  it('reports a compensation that fails, and still answers with the original failure', async () => {
    const { mapping, rule } = await createRule();
    const failed: string[] = [];
    const { transport } = backend((c) => c.path.endsWith('/members/b') || c.path === '/groups/id1');
    const error = await runRule(
      rule,
      {},
      {},
      {
        mapping,
        transport,
        helpers: {},
        onCompensationFailure: (step) => failed.push(step),
      },
    ).catch((e) => e);
    expect((error as OcciError).status).toBe(409);
    expect((error as OcciError).message).toBe('member c is taken');
    expect(failed).toEqual(['group']);
  });
});
