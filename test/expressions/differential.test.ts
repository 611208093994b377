// Differential tests: every expression of the shipped rules and fixtures, evaluated in rule
// language 2 by the compiled evaluator and by the jsonata library on generated inputs, gives the
// same value (singleton sequences and undefined included) or fails the same way. Each is
// evaluated as the engine evaluates it: a rule expression on input {} in a scope binding every
// named value it reads ($request, its steps' answers, $item, $id, $requestId, $found...); an
// entity map on the backend object $entity gets; a fault message or identity user/catalog on a
// backend document; the identity body with $token; a shared function called with generated
// arguments. The request's helpers (stubs), tables, shared functions (the function block) and
// $entity (the entity maps) are bound once per path, so a rule calling $entity or a function runs
// that code on the same path.
import fc from 'fast-check';
import jsonata from 'jsonata';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Budget, compileExpression, type Expression } from '../../src/mapping/expressions.js';
import {
  argumentsArb,
  documentArb,
  entityInputArb,
  ruleBindingsArb,
  unknownArguments,
  unknownShapes,
} from './arbitraries.js';
import { failureKind, outcomeOf, WIDE } from './outcome.js';
import {
  BUDGETED_LIBRARY,
  COMPILED,
  LIBRARY,
  type Path,
  requestNames,
  requestScope,
  ruleScope,
} from './scopes.js';
import { type ShippedExpression, shippedExpressions } from './shipped-expressions.js';

const shipped = await shippedExpressions();
const RUNS = Number(process.env.DIFFERENTIAL_RUNS ?? 40);

// $millis() and $now() read the clock: both evaluators see the same instant.
beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-02T03:04:05.678Z'));
});
afterAll(() => {
  vi.useRealTimers();
});

/** The named values a rule expression reads that its rule (not the request's scope) binds. */
const ruleNames = (x: ShippedExpression) => {
  const bound = requestNames(x.mapping);
  return x.expression.freeVariables.filter((n) => !bound.has(n));
};

/** The parameter names of a shared function's definition, `function($a, $b) {...}`. */
function parameters(source: string): string[] {
  const ast = jsonata(source).ast() as { type?: string; arguments?: { value: string }[] };
  if (ast.type !== 'lambda') throw new Error(`not a function definition: ${source}`);
  return (ast.arguments ?? []).map((a) => a.value);
}

/** Calls a function value with arguments, on a path (the harness itself is trivial). */
const CALLS = new Map<number, Expression>();
const call = (arity: number): Expression => {
  let e = CALLS.get(arity);
  if (!e) {
    e = compileExpression(`$f(${Array.from({ length: arity }, (_, i) => `$a${i}`).join(', ')})`);
    CALLS.set(arity, e);
  }
  return e;
};

/** One evaluation of `x` on `path`, with generated `sample` (bindings, input or arguments). */
async function evaluate(x: ShippedExpression, path: Path, sample: unknown, budget = new Budget(WIDE)) {
  const e = path.as(x.expression);
  const role = x.role;
  switch (role.type) {
    case 'rule': {
      const scope = ruleScope(await requestScope(x.mapping, path, budget), role.category);
      return e.evaluate({}, scope.child(sample as Record<string, unknown>), budget);
    }
    case 'entity':
      return e.evaluate(sample, await requestScope(x.mapping, path, budget), budget);
    case 'document':
      return e.evaluate(sample, {}, budget);
    case 'identity-body':
      return e.evaluate({}, sample as Record<string, unknown>, budget);
    case 'function': {
      const scope = await requestScope(x.mapping, path, budget);
      const f = await e.evaluate({}, scope, budget);
      const args = sample as unknown[];
      const bindings = Object.fromEntries(args.map((a, i) => [`a${i}`, a]));
      return path.as(call(args.length)).evaluate({}, scope.child({ f, ...bindings }), budget);
    }
    case 'function-block':
      return e.evaluate({}, await requestScope(x.mapping, path, budget), budget);
  }
}

/** What is generated for `x`: the names its rule binds, its input document, or its arguments. */
function samples(x: ShippedExpression): fc.Arbitrary<unknown> {
  const role = x.role;
  switch (role.type) {
    case 'rule':
      return ruleBindingsArb(ruleNames(x), role.category);
    case 'entity':
      return entityInputArb(role.kind);
    case 'document':
      return documentArb(role.document);
    case 'identity-body':
      return ruleBindingsArb(x.expression.freeVariables);
    case 'function':
      return argumentsArb(role.name, parameters(x.expression.source));
    case 'function-block':
      return fc.constant(undefined);
  }
}

describe('shipped expressions', () => {
  it('are all compiled (none falls back to the jsonata library)', () => {
    const fallbacks = shipped.expressions
      .filter((x) => !x.expression.compiled)
      .map((x) => `${x.expression.fallbackReason}: ${x.expression.source}`);
    expect(fallbacks).toEqual([]);
    expect(shipped.expressions.length).toBeGreaterThan(100);
    // Every role is exercised.
    expect(new Set(shipped.expressions.map((x) => x.role.type))).toEqual(
      new Set(['rule', 'entity', 'document', 'identity-body', 'function', 'function-block']),
    );
  });

  it('have generated shapes for every named value they read and every function parameter', () => {
    const missing = shipped.expressions.flatMap((x) => {
      const role = x.role;
      if (role.type === 'rule')
        return unknownShapes(ruleNames(x), role.category).map((n) => `${x.where}: $${n}`);
      if (role.type === 'identity-body') return unknownShapes(x.expression.freeVariables).map((n) => `$${n}`);
      if (role.type === 'function')
        return unknownArguments(role.name, parameters(x.expression.source)).map((p) => `${role.name}($${p})`);
      return [];
    });
    expect(missing).toEqual([]);
  });

  for (const x of shipped.expressions) {
    const title = x.expression.source.replace(/\s+/g, ' ').trim().slice(0, 80);

    it(`agree with the jsonata library: ${x.where}: ${title}`, async () => {
      // Runaway probes of the fixtures (deep or exponential recursion) only have to stop, both.
      const probe = fc.sample(samples(x), { numRuns: 1, seed: 1 })[0];
      let runaway = false;
      try {
        await evaluate(x, COMPILED, probe, new Budget({ maxSteps: 200_000, maxDepth: 300, maxOutput: 1e6 }));
      } catch (e) {
        runaway = failureKind(e) === 'budget';
      }
      if (runaway) {
        // Only the fixtures' probes run away: a shipped rule never may.
        expect(x.where).not.toMatch(/^mappings /);
        const library = await outcomeOf(() =>
          evaluate(
            x,
            BUDGETED_LIBRARY,
            probe,
            new Budget({ maxSteps: 20_000, maxDepth: 300, maxOutput: 1e6 }),
          ),
        );
        expect(library).toEqual({ error: 'budget' });
        return;
      }
      await fc.assert(
        fc.asyncProperty(samples(x), async (sample) => {
          // Each path gets its own copy: neither can see what the other did to its input.
          const reference = await outcomeOf(() => evaluate(x, LIBRARY, structuredClone(sample)));
          const compiled = await outcomeOf(() => evaluate(x, COMPILED, structuredClone(sample)));
          expect(compiled).toEqual(reference);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
