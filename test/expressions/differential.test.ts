// Differential tests: every expression of the shipped rules and fixtures, evaluated by the
// compiled evaluator and by the jsonata library on generated inputs and bindings, gives the same
// value (singleton sequences and undefined included) or fails the same way.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUILTINS, Budget, libraryExpression } from '../../src/mapping/expressions.js';
import { bindingsArb, documentArb } from './arbitraries.js';
import { helperStubs } from './cyclades-documents.js';
import { compiledOutcome, failureKind, libraryOutcome, outcomeOf } from './outcome.js';
import { shippedExpressions } from './shipped-expressions.js';

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

describe('shipped expressions', () => {
  it('are all compiled (none falls back to the jsonata library)', () => {
    const fallbacks = shipped.expressions
      .filter((e) => !e.compiled)
      .map((e) => `${e.fallbackReason}: ${e.source}`);
    expect(fallbacks).toEqual([]);
    expect(shipped.expressions.length).toBeGreaterThan(50);
  });

  for (const expr of shipped.expressions) {
    const title = expr.source.replace(/\s+/g, ' ').trim().slice(0, 90);
    const fixed = { ...helperStubs(), tables: shipped.tables };
    const names = [...expr.freeVariables, ...expr.calledFunctions].filter((n) => !BUILTINS.has(n));

    it(`agree with the jsonata library: ${title}`, async () => {
      // Runaway probes of the fixtures (deep or exponential recursion) only have to stop, both.
      const probe = { value: 0 };
      try {
        await expr.evaluate({}, fixed, new Budget({ maxSteps: 200_000, maxDepth: 300, maxOutput: 1e6 }));
      } catch (e) {
        if (failureKind(e) === 'budget') probe.value = 1;
      }
      if (probe.value) {
        const library = await outcomeOf(() =>
          libraryExpression(expr.source).evaluate(
            {},
            fixed,
            new Budget({ maxSteps: 20_000, maxDepth: 300, maxOutput: 1e6 }),
          ),
        );
        expect(library).toEqual({ error: 'budget' });
        return;
      }
      await fc.assert(
        fc.asyncProperty(documentArb, bindingsArb(names, fixed), async (input, bindings) => {
          const reference = await libraryOutcome(expr.source, input, bindings);
          const compiled = await compiledOutcome(expr, input, bindings);
          expect(compiled).toEqual(reference);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
