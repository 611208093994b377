// Explain: what an OCCI request would do, without sending anything. For a compute create with the
// shipped rules that names its image and flavor: exactly one POST {compute}/servers with the body
// the rule builds, the rule's and the step's file:line:col, and no backend call at all (no backend
// even runs). A create that leaves the image or flavor to be picked from the template lists (not
// fetched when explaining) says what its body depends on (`pending.uses`) instead of showing a
// guessed body. The CLI prints the same; the admin endpoint answers it without touching the
// backend either.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BackendClient } from '../../src/backend/backend-client.js';
import { loadRules, type RuleSet } from '../../src/mapping/load-rules.js';
import { explain, type Explanation, formatExplanation } from '../../src/server/explain.js';
import { http, REPO, type Stack, startStack } from './harness.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const KIND = `compute; scheme="${INFRA}"; class="kind"`;
const OS = 'debian; scheme="http://schemas.openstack.org/template/os#"; class="mixin"';
const FLAVOR = '1; scheme="http://schemas.openstack.org/template/resource#"; class="mixin"';
const COMPUTE_FILE = join('mappings', 'cyclades', 'compute.yaml');

let ruleSet: RuleSet;
let computeText: string;

/** Where the create rule and its `server` step are, read from the rules text as it is now. */
function createRulePositions(): { rule: string; step: string } {
  const lines = computeText.split('\n');
  const op = lines.map((l, i) => [l.trim(), i] as const).filter(([l]) => l === 'operation: create');
  expect(op).toHaveLength(1);
  const i = op[0]![1];
  const ruleLine = lines[i - 1]!;
  expect(ruleLine).toContain(`- category: ${INFRA}compute`);
  const stepIndex = lines.findIndex((l, n) => n > i && l.trim() === '- name: server');
  expect(stepIndex).toBeGreaterThan(i);
  return {
    rule: `${COMPUTE_FILE}:${i}:${ruleLine.indexOf('category') + 1}`,
    step: `${COMPUTE_FILE}:${stepIndex + 1}:${lines[stepIndex]!.indexOf('name') + 1}`,
  };
}

const createInput = {
  method: 'POST',
  path: '/compute/',
  headers: {
    'content-type': ['text/occi'],
    category: [KIND, OS, FLAVOR],
    'x-occi-attribute': ['occi.core.title="vm1"'],
  },
  body: '',
};

/** The body of that create: everything is known but the request id, which is made when it is served. */
const EXPECTED_BODY = {
  server: {
    name: 'vm1',
    imageRef: 'debian',
    flavorRef: '1',
    metadata: { 'snf-occi:request': '{request id}' },
  },
};
const KNOWN_POST = { method: 'POST', path: '{compute}/servers', body: EXPECTED_BODY };

beforeAll(async () => {
  const loaded = await loadRules('mappings');
  expect(loaded.problems).toEqual([]);
  ruleSet = loaded.ruleSet!;
  computeText = await readFile(join(REPO, COMPUTE_FILE), 'utf8');
});

describe('explain()', () => {
  it('a compute create: one POST {compute}/servers with the rule body and file:line, nothing sent', async () => {
    const send = vi.spyOn(BackendClient.prototype, 'send');
    try {
      const x: Explanation = await explain(ruleSet, createInput);
      const at = createRulePositions();
      expect(x.error).toBeUndefined();
      expect(x.operation).toBe(`create of ${INFRA}compute`);
      expect(x.servedBy).toBe('rules');
      expect(x.rules).toEqual([{ at: at.rule, category: `${INFRA}compute`, operation: 'create' }]);
      expect(x.calls).toEqual([
        {
          service: 'compute',
          method: 'POST',
          path: '{compute}/servers',
          body: EXPECTED_BODY,
          step: 'server',
          at: at.step,
        },
      ]);
      expect(send).not.toHaveBeenCalled();
      const text = formatExplanation(x);
      expect(text).toContain(`1. POST {compute}/servers    [step server, ${at.step}]`);
      expect(text).toContain(`rule:      ${at.rule} (create on ${INFRA}compute)`);
      expect(text).toContain('"imageRef": "debian"');
    } finally {
      send.mockRestore();
    }
  });

  it('the same create in the JSON rendering explains the same call', async () => {
    const x = await explain(ruleSet, {
      method: 'POST',
      path: '/compute/',
      headers: { 'content-type': ['application/occi+json'] },
      body: JSON.stringify({
        kind: `${INFRA}compute`,
        mixins: [
          'http://schemas.openstack.org/template/os#debian',
          'http://schemas.openstack.org/template/resource#1',
        ],
        attributes: { 'occi.core.title': 'vm1' },
      }),
    });
    expect(x.error).toBeUndefined();
    expect(x.calls).toHaveLength(1);
    expect(x.calls[0]).toMatchObject(KNOWN_POST);
    expect(x.calls[0]!.pending).toBeUndefined();
  });

  it('a create that leaves the image and flavor to the template lists shows its body as depending on them', async () => {
    const create = (categories: string[]) =>
      explain(ruleSet, {
        ...createInput,
        headers: {
          ...createInput.headers,
          category: categories,
          'x-occi-attribute': ['occi.compute.cores=2'],
        },
      });
    const kindOnly = await create([KIND]);
    expect(kindOnly.error).toBeUndefined();
    expect(kindOnly.calls).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '{compute}/servers',
        step: 'server',
        pending: { uses: ['image', 'flavor'] },
      }),
    ]);
    // No guessed body.
    expect(kindOnly.calls[0]).not.toHaveProperty('body');
    expect(formatExplanation(kindOnly)).toMatch(/1\. POST \{compute\}\/servers .*\n.*: image, flavor$/m);
    // With the image named, only the flavor is left to the templates.
    const withImage = await create([KIND, OS]);
    expect(withImage.calls).toEqual([expect.objectContaining({ pending: { uses: ['flavor'] } })]);
  });

  it('a get explains one GET {compute}/servers/{id} with the id filled in, and two it may need', async () => {
    const x = await explain(ruleSet, { method: 'GET', path: '/compute/42', headers: {}, body: '' });
    expect(x.error).toBeUndefined();
    expect(x.rules).toMatchObject([{ category: `${INFRA}compute`, operation: 'get' }]);
    expect(x.calls.map((c) => `${c.method} ${c.path} [${c.step}]`)).toEqual([
      'GET {compute}/servers/42 [server]',
      'GET {network}/ports [ports]',
      'GET {volume}/volumes/detail [volumes]',
    ]);
    // The one certain call depends on no earlier answer.
    expect(x.calls[0]!.pending).toBeUndefined();
    // The ports and volumes are read only while Cyclades connects or attaches something, which
    // only the server's answer tells.
    for (const c of x.calls.slice(1)) expect(c.pending).toEqual({ when: '$linksPending($server.server)' });
  });

  it('a delete explains every call, marking those that depend on earlier answers', async () => {
    const x = await explain(ruleSet, { method: 'DELETE', path: '/compute/42', headers: {}, body: '' });
    expect(x.error).toBeUndefined();
    expect(x.rules).toMatchObject([{ category: `${INFRA}compute`, operation: 'delete' }]);
    // The server is read first: a deleted one is a 404 (Cyclades would refuse the DELETE, 400).
    // The wait for the server to be gone within a bulk delete is left out: this one is not.
    expect(x.calls.map((c) => `${c.method} ${c.path} [${c.step}]`)).toEqual([
      'GET {compute}/servers/42 [current]',
      'GET {network}/ports [ports]',
      'DELETE {compute}/servers/42 [delete]',
      'GET {compute}/servers/42 [gone]',
      'DELETE {network}/floatingips/{item} [release]',
    ]);
    for (const c of x.calls.slice(0, 3)) expect(c.pending, c.step).toBeUndefined();
    // Waits for the server to go only if there are floating IPs to release (known from the ports).
    expect(x.calls[3]!.pending).toEqual({
      when: '$count($allocated) > 0',
      until: expect.stringContaining('$gone.server.status = "DELETED"'),
    });
    // Once per floating IP to release.
    expect(x.calls[4]!.pending).toMatchObject({ forEach: '$allocated' });
    const text = formatExplanation(x);
    expect(text).toContain('       only if: $count($allocated) > 0');
    expect(text).toContain('       once per item of: $allocated');
  });

  it('the query interface explains the template listings it needs', async () => {
    const x = await explain(ruleSet, { method: 'GET', path: '/-/', headers: {}, body: '' });
    expect(x.error).toBeUndefined();
    expect(x.servedBy).toBe('query interface');
    expect(x.rules).toEqual([]);
    expect(x.calls.map((c) => `${c.method} ${c.path} [${c.step}]`)).toEqual([
      'GET {compute}/images/detail [images]',
      'GET {compute}/flavors/detail [flavors]',
    ]);
  });

  it('a pass-through route explains the one call it forwards', async () => {
    const x = await explain(ruleSet, {
      method: 'GET',
      path: '/native/compute/servers/42/stats',
      headers: {},
      body: '',
    });
    expect(x.servedBy).toBe('pass-through');
    expect(x.calls).toMatchObject([
      { service: 'compute', method: 'GET', path: '{compute}/servers/42/stats' },
    ]);
  });

  it('restart cold explains the wait for the server to settle, then the HARD reboot body', async () => {
    const x = await explain(ruleSet, {
      method: 'POST',
      path: '/compute/42?action=restart',
      headers: {
        'content-type': ['text/occi'],
        category: [`restart; scheme="${INFRA.replace('#', '/compute/action#')}"; class="action"`],
        'x-occi-attribute': ['method="cold"'],
      },
      body: '',
    });
    expect(x.error).toBeUndefined();
    expect(x.calls).toMatchObject([
      // Read until settled (Cyclades refuses actions while a server builds or has a task pending).
      {
        method: 'GET',
        path: '{compute}/servers/42',
        step: 'settled',
        pending: { until: '$serverSettled($settled)' },
      },
      { method: 'POST', path: '{compute}/servers/42/action', body: { reboot: { type: 'HARD' } } },
    ]);
    expect(x.calls[1]!.pending).toBeUndefined();
  });

  it('an unsupported action explains the 501 and no call', async () => {
    const x = await explain(ruleSet, {
      method: 'POST',
      path: '/compute/42?action=suspend',
      headers: {
        'content-type': ['text/occi'],
        category: [`suspend; scheme="${INFRA.replace('#', '/compute/action#')}"; class="action"`],
      },
      body: '',
    });
    expect(x.calls).toEqual([]);
    expect(x.error).toMatchObject({ status: 501 });
    expect(x.error!.message).toContain('Cyclades cannot suspend');
  });

  it('a request that routes nowhere explains the error', async () => {
    const x = await explain(ruleSet, { method: 'GET', path: '/nowhere/42', headers: {}, body: '' });
    expect(x.calls).toEqual([]);
    expect(x.error).toMatchObject({ status: 404 });
  });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/snf-occi.js', ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('snf-occi explain', () => {
  const headerArgs = [
    '-H',
    'Content-Type: text/occi',
    '-H',
    `Category: ${KIND}`,
    '-H',
    `Category: ${OS}`,
    '-H',
    `Category: ${FLAVOR}`,
    '-H',
    'X-OCCI-Attribute: occi.core.title="vm1"',
  ];

  it('prints the call of POST /compute/ with its body and positions, exit 0', async () => {
    const res = await runCli(['explain', ...headerArgs, 'POST', '/compute/']);
    expect(res.code, res.stderr).toBe(0);
    const at = createRulePositions();
    expect(res.stdout).toContain(`rule:      ${at.rule}`);
    expect(res.stdout).toContain('backend calls (not sent):');
    expect(res.stdout).toContain(`  1. POST {compute}/servers    [step server, ${at.step}]`);
    expect(res.stdout).not.toContain('  2. ');
    expect(res.stdout).toContain('"imageRef": "debian"');
    expect(res.stdout).toContain('"flavorRef": "1"');
    expect(res.stdout).toContain('"name": "vm1"');
    expect(res.stdout).not.toContain('error:');
  });

  it('--json prints the explanation as JSON', async () => {
    const res = await runCli(['explain', '--json', ...headerArgs, 'POST', '/compute/']);
    expect(res.code, res.stderr).toBe(0);
    const x = JSON.parse(res.stdout) as Explanation;
    expect(x.rules).toHaveLength(1);
    expect(x.calls).toHaveLength(1);
    expect(x.calls[0]).toMatchObject(KNOWN_POST);
  });

  it('without METHOD and PATH it is a usage error (exit 2)', async () => {
    const res = await runCli(['explain', 'POST']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Usage: snf-occi explain');
  });
});

describe('POST /_admin/explain', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ adminToken: 'adm-explain' });
  });
  afterAll(() => stack.close());

  it('answers the explanation and sends nothing to the backend', async () => {
    const res = await http(stack.url, 'POST', '/_admin/explain', {
      headers: { 'X-Admin-Token': 'adm-explain', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        ...createInput,
        headers: {
          'Content-Type': 'text/occi',
          Category: [KIND, OS, FLAVOR],
          'X-OCCI-Attribute': 'occi.core.title="vm1"',
        },
      }),
    });
    expect(res.status, res.body).toBe(200);
    const x = res.json as Explanation;
    expect(x.error).toBeUndefined();
    expect(x.calls).toHaveLength(1);
    expect(x.calls[0]).toMatchObject(KNOWN_POST);
    expect(stack.fake.requests).toEqual([]);
  });

  it('wants the admin token', async () => {
    const res = await http(stack.url, 'POST', '/_admin/explain', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(createInput),
    });
    expect(res.status).toBe(401);
  });
});
