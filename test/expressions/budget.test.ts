// Deterministic budgets: evaluation stops on counted work (steps, depth, output size), the same
// way on an idle and a loaded machine, for compiled expressions and for those the jsonata library
// runs; the default budget fits a 1,000-server list result many times over.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Budget,
  compileExpression,
  DEFAULT_EXPRESSION_LIMITS,
  ExpressionError,
  type Expression,
  libraryExpression,
} from '../../src/mapping/expressions.js';
import { KINDS, serverList } from './cyclades-documents.js';
import { COMPILED, requestScope, ruleScope } from './scopes.js';
import { shippedExpressions } from './shipped-expressions.js';

async function failure(
  expr: Expression,
  budget = new Budget(),
  input: unknown = {},
): Promise<ExpressionError> {
  try {
    await expr.evaluate(input, {}, budget);
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionError);
    return e as ExpressionError;
  }
  throw new Error(`${expr.source} did not fail`);
}

const RECURSION = '($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000))';
const NESTED_RANGES = '[1..100000].([1..1000])';

describe.each([
  ['compiled', compileExpression],
  ['jsonata library', libraryExpression],
])('budgets (%s)', (_name, make) => {
  it('infinite recursion stops with depth', async () => {
    const e = await failure(make(RECURSION));
    expect(e.code).toBe('depth');
    expect(e.message).toContain(`${DEFAULT_EXPRESSION_LIMITS.maxDepth}`);
  });

  it('[1..100000].([1..1000]) stops with steps, after the same count every time', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const budget = new Budget();
      const e = await failure(make(NESTED_RANGES), budget);
      runs.push({ code: e.code, used: budget.used });
    }
    expect(runs[0]!.code).toBe('steps');
    expect(runs[0]!.used).toBeGreaterThan(DEFAULT_EXPRESSION_LIMITS.maxSteps);
    expect(runs[1]).toEqual(runs[0]);
  });

  it('a value larger than maxOutput stops with output', async () => {
    expect((await failure(make('[1..2000000]'))).code).toBe('output');
    expect((await failure(make('$pad("", 2000000)'))).code).toBe('output');
    const small = new Budget({ ...DEFAULT_EXPRESSION_LIMITS, maxOutput: 10 });
    expect((await failure(make('"abcdef" & "ghijkl"'), small)).code).toBe('output');
  });

  it('one budget is shared by the evaluations it is given to, and a failure leaves its depth as it was', async () => {
    const budget = new Budget();
    await make('[1..10].($ * 2)').evaluate({}, {}, budget);
    const after = budget.used;
    expect(after).toBeGreaterThan(10);
    await make('[1..10].($ * 2)').evaluate({}, {}, budget);
    expect(budget.used).toBeGreaterThan(after);
    await failure(make(RECURSION), budget);
    expect(budget.depth).toBe(0);
  });
});

describe('budgets on a loaded machine', () => {
  let spinner: Worker;
  let idle: { code: string; used: number };
  const outcome = async () => {
    const budget = new Budget();
    const e = await failure(compileExpression(NESTED_RANGES), budget);
    return { code: e.code, used: budget.used };
  };
  beforeAll(async () => {
    idle = await outcome();
    // Then a thread keeps a core busy for the rest of the block.
    spinner = new Worker(
      'const { parentPort } = require("node:worker_threads"); parentPort.postMessage("on"); for (;;) {}',
      { eval: true },
    );
    await new Promise((resolve) => spinner.once('message', resolve));
  });
  afterAll(async () => {
    await spinner.terminate();
  });

  it('give the same outcome as on an idle one (counts, not time)', async () => {
    expect(idle.code).toBe('steps');
    expect(await outcome()).toEqual(idle);
  });
});

describe('the default budget', () => {
  it('fits the shipped compute list result over 1,000 servers at least 20 times over', async () => {
    const { mapping } = await shippedExpressions();
    const rule = mapping.rules.get(`${KINDS.compute}|list|`)?.[0];
    expect(rule?.result?.source, 'the compute list result').toContain(
      '$servers.servers[status != "DELETED"].$entity(',
    );
    // One budget for the request, as the engine has it: the shared functions bound, then the
    // rule's steps (the server list; the other calls only when a server has links pending: their
    // `when` is evaluated, and they are skipped), then the result, with $entity running the
    // compute entity map on each server.
    const budget = new Budget();
    const scope = ruleScope(await requestScope(mapping, COMPILED, budget), KINDS.compute).child();
    for (const step of rule!.steps) {
      if (step.name === 'servers') {
        scope.set('servers', serverList(1000).servers);
        continue;
      }
      expect(step.when?.evaluate({}, scope, budget), `${step.name} is skipped`).toBe(false);
      scope.set(step.name, undefined);
    }
    const result = rule!.result!.evaluate({}, scope, budget) as {
      id: string;
      attributes: Record<string, unknown>;
      links: unknown[];
    }[];
    expect(result).toHaveLength(1000);
    expect(result[2]).toMatchObject({
      id: '1002',
      attributes: { 'occi.compute.state': 'inactive', 'occi.compute.cores': expect.any(Number) },
    });
    expect(result[2]!.links).toHaveLength(2);
    expect(budget.used * 20).toBeLessThanOrEqual(DEFAULT_EXPRESSION_LIMITS.maxSteps);
  });
});
