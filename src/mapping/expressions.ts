// JSONata expressions of the rule files: parsed once at load, checked for forbidden functions,
// and compiled into synchronous closures (src/mapping/jsonata/compile.ts); an expression the
// compiler does not cover runs on the jsonata library instead (`compiled: false`, with the
// reason). Both are held to the same deterministic Budget: steps, depth and output size.
import jsonata from 'jsonata';
import { Budget } from './jsonata/budget.js';
import { compileProgram, type Node, Unsupported } from './jsonata/compile.js';
import { ExpressionError } from './jsonata/errors.js';
import { fallbackFor } from './jsonata/fallback.js';
import { enter, isPassThrough, leave } from './jsonata/runtime.js';
import { Scope } from './jsonata/scope.js';
import { exportValue } from './jsonata/values.js';

export { Budget, DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from './jsonata/budget.js';
export { ExpressionError, NotKnownYet } from './jsonata/errors.js';
export { BUILTINS } from './jsonata/functions.js';
export { Scope } from './jsonata/scope.js';

/** Functions that would let a rule run code it builds at run time. */
const FORBIDDEN = new Set(['eval']);

export interface Expression {
  readonly source: string;
  /** Variables the expression reads without defining them (`$x`, not calls `$f(...)`): they must come from bindings. */
  readonly freeVariables: readonly string[];
  /** `$names` the expression calls without defining them: helpers, shared functions and built-ins. */
  readonly calledFunctions: readonly string[];
  /** False when the expression runs on the jsonata library (see fallbackReason). */
  readonly compiled: boolean;
  readonly fallbackReason?: string;
  /** jsonata's AST of the source (as `jsonata(source).ast()`), for checks at load: read, never changed. */
  readonly ast?: unknown;
  /** Synchronous when compiled; a Promise only on the jsonata fallback. */
  evaluate(input: unknown, scope?: Scope | Record<string, unknown>, budget?: Budget): unknown;
}

type AstNode = { type?: string; value?: unknown; position?: number; [key: string]: unknown };

function findForbidden(node: unknown): AstNode | undefined {
  if (Array.isArray(node)) {
    for (const n of node) {
      const found = findForbidden(n);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof node !== 'object' || node === null) return undefined;
  const n = node as AstNode;
  if (n.type === 'variable' && typeof n.value === 'string' && FORBIDDEN.has(n.value)) return n;
  for (const value of Object.values(n)) {
    const found = findForbidden(value);
    if (found) return found;
  }
  return undefined;
}

/** Library errors are plain objects with a code; everything but OCCI errors and ours becomes an ExpressionError. */
function toExpressionError(e: unknown): unknown {
  if (isPassThrough(e)) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new ExpressionError('expression recursed too deeply (JavaScript stack exhausted)', 'depth');
  }
  const err = e as { message?: string; code?: string; position?: number };
  return new ExpressionError(err?.message ?? String(e), err?.code ?? 'evaluation', err?.position);
}

const asScope = (scope: Scope | Record<string, unknown> | undefined): Scope =>
  scope instanceof Scope ? scope : new Scope(scope);

/** Compiles an expression; throws ExpressionError (with the offset in the source) when it is invalid. */
export function compileExpression(source: string): Expression {
  return build(source, false);
}

/** The same expression, always run by the jsonata library under the Budget (tests and benchmarks). */
export function libraryExpression(source: string): Expression {
  return build(source, true);
}

function build(source: string, forceLibrary: boolean): Expression {
  let parsed: ReturnType<typeof jsonata>;
  try {
    parsed = jsonata(source);
  } catch (e) {
    const err = e as { message?: string; code?: string; position?: number };
    throw new ExpressionError(err.message ?? 'invalid expression', err.code ?? 'syntax', err.position);
  }
  const ast = parsed.ast();
  const forbidden = findForbidden(ast);
  if (forbidden) {
    throw new ExpressionError(
      `$${String(forbidden.value)} is not allowed in rules`,
      'forbidden',
      forbidden.position,
    );
  }
  const { free: freeVariables, called: calledFunctions } = findNames(ast);
  let program: ReturnType<typeof compileProgram> | undefined;
  let fallbackReason: string | undefined;
  try {
    if (forceLibrary) throw new Unsupported('run by the jsonata library on request');
    program = compileProgram(ast as Node);
  } catch (e) {
    // Unsupported: outside the compiled subset. Anything else would be a compiler bug: the
    // library still runs the expression, and `check` shows the reason.
    fallbackReason = e instanceof Unsupported ? e.message : `compiler error: ${(e as Error).message}`;
  }
  if (program) {
    const run = program;
    return {
      source,
      freeVariables,
      calledFunctions,
      compiled: true,
      ast,
      evaluate(input, scope, budget = new Budget()) {
        const saved = enter({ budget, scope: asScope(scope), root: input });
        const depth = budget.depth;
        try {
          return exportValue(run.run(input));
        } catch (e) {
          budget.depth = depth;
          throw toExpressionError(e);
        } finally {
          leave(saved);
        }
      },
    };
  }
  const fallback = fallbackFor(parsed);
  const names = [...new Set([...freeVariables, ...calledFunctions])];
  return {
    source,
    freeVariables,
    calledFunctions,
    compiled: false,
    fallbackReason,
    ast,
    async evaluate(input, scope, budget = new Budget()) {
      try {
        return exportValue(await fallback.evaluate(input, asScope(scope), budget, names), true);
      } catch (e) {
        throw toExpressionError(e);
      }
    },
  };
}

/**
 * Names read as `$name` (free) or called as `$name(...)` but defined nowhere in the expression
 * (not by `:=`, a lambda parameter, or a `@$`/`#$` binding). An unknown function fails loudly at
 * run time, while an unbound variable would silently be undefined: hence the two lists.
 */
function findNames(ast: unknown): { free: string[]; called: string[] } {
  const defined = new Set<string>();
  const read = new Set<string>();
  const called = new Set<string>();
  const visit = (node: unknown, isCalled = false): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as AstNode;
    if (n.type === 'bind' && (n.lhs as AstNode | undefined)?.type === 'variable') {
      defined.add(String((n.lhs as AstNode).value));
      visit(n.rhs);
      return;
    }
    if (n.type === 'lambda')
      for (const a of (n.arguments as AstNode[] | undefined) ?? []) defined.add(String(a.value));
    if (typeof n.focus === 'string') defined.add(n.focus);
    if (typeof n.index === 'string') defined.add(n.index);
    if (n.type === 'variable' && typeof n.value === 'string' && n.value !== '' && n.value !== '$') {
      (isCalled ? called : read).add(n.value);
    }
    for (const [key, value] of Object.entries(n)) {
      if (key === 'arguments' && n.type === 'lambda') continue;
      visit(value, key === 'procedure');
    }
  };
  visit(ast);
  return {
    free: [...read].filter((name) => !defined.has(name)),
    called: [...called].filter((name) => !defined.has(name)),
  };
}
