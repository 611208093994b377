// The expression API the engine codes against: scopes with lazy bindings, compiled lambdas as
// plain JS functions usable as bindings of other expressions (compiled or not), native functions
// and OCCI errors passing through, results as plain arrays, and fallbacks with their reason.
import { describe, expect, it } from 'vitest';
import {
  Budget,
  compileExpression,
  ExpressionError,
  libraryExpression,
  Scope,
} from '../../src/mapping/expressions.js';
import { OcciError } from '../../src/occi/errors.js';

describe('Scope', () => {
  it('resolves through its parents, innermost first', () => {
    const root = new Scope({ a: 1, b: 2 });
    const child = root.child({ b: 3 });
    expect(compileExpression('[$a, $b]').evaluate({}, child)).toEqual([1, 3]);
    expect(child.has('a')).toBe(true);
    expect(child.has('z')).toBe(false);
    expect(child.lookup('z')).toBeUndefined();
  });

  it('runs a defined thunk once, on first lookup, and never when unused', () => {
    const scope = new Scope();
    let runs = 0;
    scope.define('x', () => {
      runs++;
      return 21;
    });
    scope.define('unused', () => {
      throw new Error('must not run');
    });
    const expr = compileExpression('$x * 2');
    expect(expr.evaluate({}, scope)).toBe(42);
    expect(expr.evaluate({}, scope)).toBe(42);
    expect(runs).toBe(1);
  });

  it('reports a binding defined in terms of itself', () => {
    const scope = new Scope();
    scope.define('loop', () => compileExpression('$loop').evaluate({}, scope));
    expect(() => scope.lookup('loop')).toThrow(ExpressionError);
  });

  it('shares functions: a lambda defined once is called by other expressions, compiled or not', async () => {
    const scope = new Scope();
    scope.define('double', () => compileExpression('function($x) { $x * 2 }').evaluate({}, scope));
    scope.define('twice', () => compileExpression('function($f, $x) { $f($f($x)) }').evaluate({}, scope));
    expect(compileExpression('$twice($double, 5)').evaluate({}, scope)).toBe(20);
    expect(compileExpression('[1, 2].$double($)').evaluate({}, scope)).toEqual([2, 4]);
    expect(await libraryExpression('$map([1, 2], $double)').evaluate({}, scope)).toEqual([2, 4]);
  });
});

describe('compiled lambdas and native functions', () => {
  it('lambdas are JS functions with their arity as length, returning plain values', () => {
    const f = compileExpression('function($a, $b) { [$a, $b, [$a]] }').evaluate({}) as (
      ...a: unknown[]
    ) => unknown;
    expect(typeof f).toBe('function');
    expect(f.length).toBe(2);
    const result = f(1, 2);
    expect(result).toStrictEqual([1, 2, [1]]);
    expect(Object.getOwnPropertySymbols(result as object)).toEqual([]);
  });

  it('native functions get their arguments; OCCI errors they throw pass through unchanged', () => {
    const thrown = new OcciError(409, 'locked');
    const calls: unknown[][] = [];
    const scope = {
      note: (...args: unknown[]) => {
        calls.push(args);
        return args.length;
      },
      fail: () => {
        throw thrown;
      },
    };
    expect(compileExpression('$note(1, "a", [2, 3])').evaluate({}, scope)).toBe(3);
    expect(calls).toEqual([[1, 'a', [2, 3]]]);
    let caught: unknown;
    try {
      compileExpression('{"a": $fail()}').evaluate({}, scope);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(thrown);
  });

  it('a native function returning a Promise is a clear error on the compiled path', () => {
    const expr = compileExpression('$later()');
    expect(() => expr.evaluate({}, { later: async () => 1 })).toThrow(/Promise/);
  });

  it('results are plain arrays, nested ones included', () => {
    const result = compileExpression('{"a": items.v, "b": [items.v], "c": items.[v]}').evaluate({
      items: [{ v: 1 }, { v: 2 }],
    }) as Record<string, unknown[]>;
    for (const key of ['a', 'b', 'c']) {
      expect(Object.getOwnPropertySymbols(result[key]!)).toEqual([]);
    }
    expect(result.c).toStrictEqual([[1], [2]]);
  });
});

describe('compileExpression', () => {
  it('lists free variables and called functions', () => {
    const e = compileExpression('($f := function($x) { $x + $y }; $f($z) & $string($w) & $helper(1))');
    expect([...e.freeVariables].sort()).toEqual(['w', 'y', 'z']);
    expect([...e.calledFunctions].sort()).toEqual(['helper', 'string']);
  });

  it('falls back to the jsonata library for what it does not cover, with the reason, under the same budget', async () => {
    const e = compileExpression('$formatNumber(1234.5, "#,##0.00")');
    expect(e.compiled).toBe(false);
    expect(e.fallbackReason).toContain('$formatNumber');
    expect(await e.evaluate({})).toBe('1,234.50');
    const partial = compileExpression('($add := function($a, $b) { $a + $b }; $add(?, 1)(2))');
    expect(partial.compiled).toBe(false);
    expect(await partial.evaluate({})).toBe(3);
    const runaway = compileExpression('$formatBase($sum([1..100000].($sum([1..1000]))), 10)');
    expect(runaway.compiled).toBe(false);
    await expect(runaway.evaluate({}, {}, new Budget())).rejects.toMatchObject({ code: 'steps' });
  });

  it('refuses $eval and reports syntax errors with their position', () => {
    expect(() => compileExpression('$eval("1")')).toThrow(/not allowed/);
    try {
      compileExpression('{"a": (1 + }');
    } catch (e) {
      expect(e).toBeInstanceOf(ExpressionError);
      expect((e as ExpressionError).position).toBeGreaterThan(0);
    }
  });
});
