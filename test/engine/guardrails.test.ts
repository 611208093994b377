// Guardrails: rule expressions cannot run code they build ($eval), cannot run away (a budget of
// evaluation steps, nesting depth and output size, counted, never timed), and a misbehaving
// backend (refused, silent, huge, not JSON, absurdly nested) always ends in a 502 or 504 for the
// client: never a 500, never a hang. Only the backend has wall-clock limits.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackendClient,
  BackendFailure,
  DEFAULT_BACKEND_OPTIONS,
  type BackendClientOptions,
} from '../../src/backend/backend-client.js';
import {
  Budget,
  compileExpression,
  DEFAULT_EXPRESSION_LIMITS,
  type Expression,
  ExpressionError,
} from '../../src/mapping/expressions.js';
import { loadRules } from '../../src/mapping/load-rules.js';
import { type FakeBackend, startFakeBackend } from '../support/fake-backend.js';
import { errorText, failureDetail, http, materialise, REPO, type Stack, startStack } from './harness.js';

const SHORT: BackendClientOptions = {
  ...DEFAULT_BACKEND_OPTIONS,
  connectTimeoutMs: 300,
  headersTimeoutMs: 300,
  bodyTimeoutMs: 300,
  maxResponseBytes: 64 * 1024,
};

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Nested arrays `depth` deep: [[[...]]]. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

async function timed<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = performance.now();
  try {
    const value = await fn();
    return { value, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

describe('expressions', () => {
  it.each([
    ['$eval("1")'],
    ['$eval("$x", {"x": 1})'],
    ['($e := $eval; $e("1 + 1"))'],
    ['(function($s) { $eval($s) })("2")'],
    ['{"a": [1, 2, $eval("3")]}'],
  ])('refuses $eval at compile time: %s', (source) => {
    let error: unknown;
    try {
      compileExpression(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).code).toBe('forbidden');
    expect((error as ExpressionError).message).toContain('$eval is not allowed');
    expect((error as ExpressionError).position).toBeGreaterThan(0);
  });

  it('a syntax error is an ExpressionError with its position', () => {
    expect(() => compileExpression('{"a": (1 + }')).toThrow(ExpressionError);
  });

  // The budget counts work (evaluation steps, nesting depth), never time: the same expression
  // stops at the same point on a busy machine and an idle one. So these tests assert where it
  // stops (the code, the count), not how long it took.
  const LIMITS = { ...DEFAULT_EXPRESSION_LIMITS, maxSteps: 100_000, maxDepth: 200 };
  const FIB = compileExpression(
    '($fib := function($n) { $n < 2 ? $n : $fib($n - 1) + $fib($n - 2) }; $fib($x))',
  );

  async function failure(
    expr: Expression,
    budget: Budget,
    scope: Record<string, unknown> = {},
  ): Promise<ExpressionError> {
    try {
      await expr.evaluate({}, scope, budget);
    } catch (e) {
      expect(e).toBeInstanceOf(ExpressionError);
      return e as ExpressionError;
    }
    throw new Error(`${expr.source} did not fail`);
  }

  it('deep recursion stops with an ExpressionError (depth) at the depth limit', async () => {
    const expr = compileExpression('($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000))');
    const budget = new Budget(LIMITS);
    const e = await failure(expr, budget);
    expect(e.code).toBe('depth');
    expect(e.message).toContain(`nested deeper than ${LIMITS.maxDepth} function calls (maxDepth)`);
    // Stopped by depth long before the step budget.
    expect(budget.used).toBeLessThan(LIMITS.maxSteps);
    // The nesting is unwound once the evaluation is over.
    expect(budget.depth).toBe(0);
  });

  it('a long loop stops with an ExpressionError (steps) once it has used its evaluation steps', async () => {
    const expr = compileExpression('$sum([1..5000].($sum([1..5000].($ * 2))))');
    const stops = async () => {
      const budget = new Budget(LIMITS);
      const e = await failure(expr, budget);
      expect(e.code).toBe('steps');
      expect(e.message).toContain(`more than ${LIMITS.maxSteps} evaluation steps (maxSteps)`);
      return budget.used;
    };
    const used = await stops();
    // A node's items are counted at once (here a range of 5000), so the count that stops the loop
    // passes the limit by less than one such node; and it is the same count every time.
    expect(used).toBeGreaterThan(LIMITS.maxSteps);
    expect(used).toBeLessThanOrEqual(LIMITS.maxSteps + 5000);
    expect(await stops()).toBe(used);
  });

  it('exponential recursion within the depth limit stops with an ExpressionError (steps)', async () => {
    const budget = new Budget(LIMITS);
    const e = await failure(FIB, budget, { x: 40 });
    expect(e.code).toBe('steps');
    expect(budget.used).toBe(LIMITS.maxSteps + 1);
  });

  it('the count is deterministic: the same evaluation uses the same number of steps every time', async () => {
    const used = async () => {
      const budget = new Budget(LIMITS);
      expect(await FIB.evaluate({}, { x: 12 }, budget)).toBe(144);
      return budget.used;
    };
    const first = await used();
    expect(first).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect(await used()).toBe(first);
  });

  it('without a budget or limits the defaults apply (a rule file without `limits:` gets them too)', async () => {
    expect(new Budget().limits).toEqual(DEFAULT_EXPRESSION_LIMITS);
    expect(Number.isFinite(DEFAULT_EXPRESSION_LIMITS.maxSteps)).toBe(true);
    expect(Number.isFinite(DEFAULT_EXPRESSION_LIMITS.maxOutput)).toBe(true);
    const deep = compileExpression('($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000))');
    let error: unknown;
    try {
      await deep.evaluate({});
    } catch (e) {
      error = e;
    }
    expect((error as ExpressionError).code).toBe('depth');
    expect((error as ExpressionError).message).toContain(
      `nested deeper than ${DEFAULT_EXPRESSION_LIMITS.maxDepth} function calls (maxDepth)`,
    );
    const loaded = await loadRules(join(REPO, 'mappings'));
    expect(loaded.ruleSet?.mapping.limits).toEqual(DEFAULT_EXPRESSION_LIMITS);
  });

  it('a budget is per request: spent, it stays spent for later evaluations; a fresh one is whole', async () => {
    const budget = new Budget(LIMITS);
    expect((await failure(FIB, budget, { x: 40 })).code).toBe('steps');
    // The same request goes on evaluating: nothing is left.
    expect((await failure(FIB, budget, { x: 2 })).code).toBe('steps');
    // The next request has its own budget.
    expect(await FIB.evaluate({}, { x: 10 }, new Budget(LIMITS))).toBe(55);
  });

  it('tighter limits apply', async () => {
    // fib(15) fits the step budget above, not one of 1000 steps.
    expect(await FIB.evaluate({}, { x: 15 }, new Budget(LIMITS))).toBe(610);
    const few = new Budget({ ...LIMITS, maxSteps: 1000 });
    expect((await failure(FIB, few, { x: 15 })).code).toBe('steps');
    expect(few.used).toBe(1001);
    // fib(15) nests within 200 levels, not within 10.
    expect((await failure(FIB, new Budget({ ...LIMITS, maxDepth: 10 }), { x: 15 })).code).toBe('depth');
  });

  it('an evaluation that builds a sequence or a string over the output limit stops with an ExpressionError (output)', async () => {
    const limits = { ...LIMITS, maxSteps: 10_000_000, maxOutput: 10_000 };
    for (const source of ['$count([1..20000])', '$length($pad("", 20000, "x"))']) {
      const e = await failure(compileExpression(source), new Budget(limits));
      expect(e.code, source).toBe('output');
    }
    // Within the limit, the same expressions are fine.
    expect(await compileExpression('$count([1..5000])').evaluate({}, {}, new Budget(limits))).toBe(5000);
  });
});

describe('backend client', () => {
  let fake: FakeBackend;
  let client: BackendClient;
  beforeAll(async () => {
    fake = await startFakeBackend({ cycladesTemplates: false });
    client = new BackendClient(SHORT);
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });

  const failureOf = async (url: string) => {
    try {
      await client.send({ method: 'GET', url, headers: {} });
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it('connection refused is an unreachable failure', async () => {
    const e = await failureOf(`http://127.0.0.1:${await deadPort()}/x`);
    expect(e).toBeInstanceOf(BackendFailure);
    expect((e as BackendFailure).kind).toBe('unreachable');
  });

  it('no headers within headersTimeoutMs is a timeout failure', async () => {
    fake.on('GET', '/hang', { hang: true });
    const r = await timed(() => failureOf(`${fake.url}/hang`));
    // The fake never answers: a failure at all is the timeout's doing (how fast is not asserted).
    expect((r.value as BackendFailure).kind).toBe('timeout');
  });

  it('a body stalling mid-way is a timeout failure', async () => {
    fake.on('GET', '/stall', { status: 200, stallAfter: '{"value": ' });
    const r = await timed(() => failureOf(`${fake.url}/stall`));
    // The fake never answers: a failure at all is the timeout's doing (how fast is not asserted).
    expect((r.value as BackendFailure).kind).toBe('timeout');
  });

  it('a response over maxResponseBytes is a too-large failure', async () => {
    fake.on('GET', '/huge', { status: 200, hugeBytes: 1024 * 1024 });
    expect(((await failureOf(`${fake.url}/huge`)) as BackendFailure).kind).toBe('too-large');
  });

  it('a 200 with a body that is not JSON is a bad-response failure; a non-JSON 4xx keeps its status', async () => {
    fake.on('GET', '/html', { status: 200, raw: '<html>hello</html>' });
    expect(((await failureOf(`${fake.url}/html`)) as BackendFailure).kind).toBe('bad-response');
    fake.on('GET', '/html404', { status: 404, raw: '<html>not here</html>' });
    const res = await client.send({ method: 'GET', url: `${fake.url}/html404`, headers: {} });
    expect(res).toMatchObject({ status: 404, body: undefined });
  });

  it('JSON nested 100 deep is a bad-response failure; 60 deep is fine', async () => {
    fake.on('GET', '/deep', {
      status: 200,
      raw: nested(100),
      headers: { 'content-type': 'application/json' },
    });
    expect(((await failureOf(`${fake.url}/deep`)) as BackendFailure).kind).toBe('bad-response');
    fake.on('GET', '/fine', {
      status: 200,
      raw: nested(60),
      headers: { 'content-type': 'application/json' },
    });
    expect((await client.send({ method: 'GET', url: `${fake.url}/fine`, headers: {} })).status).toBe(200);
  });

  it('objects nested 10,000 deep are a bad-response failure', async () => {
    fake.on('GET', '/deeper', {
      status: 200,
      raw: `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(((await failureOf(`${fake.url}/deeper`)) as BackendFailure).kind).toBe('bad-response');
  });

  it('brackets and escaped quotes inside strings do not count as nesting', async () => {
    // A JSON string holding an escaped backslash, an escaped quote, 200 brackets, an escaped backslash.
    const tricky = String.raw`"\\\"${'[{'.repeat(100)}\\"`;
    const body = `{"v": [${tricky}, ${nested(60)}], "w": ${tricky}}`;
    expect(JSON.parse(body).w).toContain('[{[{');
    fake.on('GET', '/strings', { status: 200, raw: body, headers: { 'content-type': 'application/json' } });
    const res = await client.send({ method: 'GET', url: `${fake.url}/strings`, headers: {} });
    expect(res.body).toEqual(JSON.parse(body));
  });

  it('a connection destroyed before the answer is an unreachable failure', async () => {
    fake.on('GET', '/destroy', { destroy: true });
    expect(((await failureOf(`${fake.url}/destroy`)) as BackendFailure).kind).toBe('unreachable');
  });
});

describe('through the server', () => {
  let stack: Stack;
  let fake: FakeBackend;
  let rulesText: string;
  const statuses: number[] = [];
  let client: BackendClient;

  beforeAll(async () => {
    fake = await startFakeBackend({ cycladesTemplates: false });
    const dir = await materialise('rules-guardrails', {
      API_URL: `${fake.url}/api`,
      DEAD_URL: `http://127.0.0.1:${await deadPort()}/api`,
    });
    rulesText = await readFile(join(dir, 'probe.yaml'), 'utf8');
    client = new BackendClient(SHORT);
    stack = await startStack({ rulesDir: dir, fake, client, identity: false });
  });
  afterAll(async () => {
    // No 500 anywhere in this block.
    expect(statuses).not.toContain(500);
    await stack.close();
    await fake.close();
  });

  const get = async (id: string, accept = 'application/occi+json') => {
    const res = await timed(() => http(stack.url, 'GET', `/probe/${id}`, { headers: { Accept: accept } }));
    if (!res.value) throw res.error;
    statuses.push(res.value.status);
    return { ...res.value, ms: res.ms };
  };

  /** Line of the `- category:` item of the rule whose `when` mentions this id. */
  const ruleLine = (id: string) => {
    const lines = rulesText.split('\n');
    const at = lines.findIndex((l) => l.includes(`$request.id = "${id}"`));
    for (let i = at; i >= 0; i--) if (/^\s*- category:/.test(lines[i]!)) return i + 1;
    throw new Error(`no rule for ${id}`);
  };

  it('a sane answer passes (the fixture works)', async () => {
    fake.on('GET', '/api/probes/ok', { status: 200, body: { value: 'fine' } });
    const res = await get('ok');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: 'ok', attributes: { 'org.example.probe.value': 'fine' } });
  });

  it('a result expression that runs out of the file’s step budget is a 502 naming the rule file:line', async () => {
    fake.on('GET', '/api/probes/spin', { status: 200, body: { value: 1 } });
    const res = await get('spin');
    expect(res.status).toBe(502);
    expect(failureDetail(stack, res)).toMatch(
      new RegExp(`probe\\.yaml:${ruleLine('spin')}\\b.*\\(result\\).*more than 100000 evaluation steps`),
    );
  });

  it('a result expression that recurses too deep is a 502 naming the rule file:line and the file’s depth limit (text/plain too)', async () => {
    const res = await get('deep', 'text/plain');
    expect(res.status).toBe(502);
    expect(failureDetail(stack, res)).toMatch(
      new RegExp(`probe\\.yaml:${ruleLine('deep')}\\b.*nested deeper than 160 function calls \\(maxDepth\\)`),
    );
  });

  it('connection refused is a 502', async () => {
    const res = await get('refused');
    expect(res.status).toBe(502);
    expect(errorText(res)).toContain('unreachable');
  });

  it('a backend that never answers headers is a 504, after the client timeout', async () => {
    fake.on('GET', '/api/probes/hang', { hang: true });
    const res = await get('hang');
    expect(res.status).toBe(504);
    expect(res.ms).toBeGreaterThanOrEqual(250);
  });

  it('a body that stalls mid-way is a 504', async () => {
    fake.on('GET', '/api/probes/stall', { status: 200, stallAfter: '{"value": "' });
    expect((await get('stall')).status).toBe(504);
  });

  it('a response over the size limit is a 502', async () => {
    fake.on('GET', '/api/probes/huge', { status: 200, hugeBytes: 2 * 1024 * 1024 });
    const res = await get('huge');
    expect(res.status).toBe(502);
    expect(errorText(res)).toContain('too large');
  });

  it('a 200 that is not JSON is a 502', async () => {
    fake.on('GET', '/api/probes/html', { status: 200, raw: '<html><body>proxy error</body></html>' });
    const res = await get('html');
    expect(res.status).toBe(502);
    expect(res.body).not.toContain('proxy error');
  });

  it('JSON nested 100 deep is a 502', async () => {
    fake.on('GET', '/api/probes/deepjson', {
      status: 200,
      raw: `{"value": ${nested(100)}}`,
      headers: { 'content-type': 'application/json' },
    });
    const res = await get('deepjson');
    expect(res.status).toBe(502);
  });

  it('JSON nested 10,000 deep is a 502', async () => {
    fake.on('GET', '/api/probes/deeperjson', {
      status: 200,
      raw: `{"value": ${nested(10_000)}}`,
      headers: { 'content-type': 'application/json' },
    });
    const res = await get('deeperjson');
    expect(res.status).toBe(502);
  });

  it('a connection destroyed mid-request is a 502', async () => {
    fake.on('GET', '/api/probes/destroy', { destroy: true });
    expect((await get('destroy')).status).toBe(502);
  });

  it('a backend 500 with an HTML page is a 502 that relays nothing of it', async () => {
    fake.on('GET', '/api/probes/crash', { status: 500, raw: '<pre>Traceback at /srv/secret.py</pre>' });
    const res = await get('crash');
    expect(res.status).toBe(502);
    expect(res.body).not.toContain('secret');
  });

  it('the server keeps serving after all of that', async () => {
    fake.on('GET', '/api/probes/after', { status: 200, body: { value: 'still here' } });
    const res = await get('after');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ attributes: { 'org.example.probe.value': 'still here' } });
  });

  // Regression, fixed (was: src/engine/mapping-service.ts helpers.fail): $fail accepts any status from 400 to 599,
  // so a rule's `$fail(500, ...)` makes the server answer 500 Internal Server Error, the one status
  // reserved for the server's own bugs (fault translation maps every other failure to 502/503/504).
  it('a rule that $fails with 500 answers 502, not 500', async () => {
    const res = await get('fail500');
    statuses.pop(); // known; keep the afterAll check about everything else
    expect(res.status).toBe(502);
  });
});
