// JSONata expressions of the rule files: compiled once at load, checked for forbidden functions,
// and evaluated under a time and depth limit so that no rule can hang or exhaust the server.
import jsonata from 'jsonata';
import { OcciError } from '../occi/errors.js';

export interface ExpressionLimits {
  /** Wall-clock budget of one evaluation, in ms. */
  timeoutMs: number;
  /** Deepest nesting of evaluation (recursion included). */
  maxDepth: number;
}

// 250 ms rather than the 100 ms proxies often use: a first evaluation on a cold process (JIT) of
// an expression that sorts a few dozen templates was measured at over 100 ms. A wall-clock limit
// fails good requests on a loaded machine, so the test suite raises it (vitest.config.ts) through
// SNF_OCCI_EXPRESSION_TIMEOUT_MS, until step budgets replace it.
const timeoutMs = Number(process.env.SNF_OCCI_EXPRESSION_TIMEOUT_MS) || 250;
export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = { timeoutMs, maxDepth: 200 };

/** Functions that would let a rule run code it builds at run time. */
const FORBIDDEN = new Set(['eval']);

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

export interface Expression {
  source: string;
  /** Variables the expression reads without defining them (`$x`, not calls `$f(...)`): they must come from bindings. */
  freeVariables: string[];
  evaluate(input: unknown, bindings?: Record<string, unknown>, limits?: ExpressionLimits): Promise<unknown>;
}

interface Guard {
  start: number;
  depth: number;
  limits: ExpressionLimits;
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

function checkGuard(guard: Guard): void {
  if (guard.depth > guard.limits.maxDepth) {
    throw new ExpressionError(`expression nested deeper than ${guard.limits.maxDepth} levels`, 'depth');
  }
  if (Date.now() - guard.start > guard.limits.timeoutMs) {
    throw new ExpressionError(`expression ran longer than ${guard.limits.timeoutMs} ms`, 'timeout');
  }
}

const ENTRY = Symbol.for('jsonata.__evaluate_entry');
const EXIT = Symbol.for('jsonata.__evaluate_exit');

type Env = { lookup(name: string): unknown };

/** Compiles an expression; throws ExpressionError (with the offset in the source) when it is invalid. */
export function compileExpression(source: string, functions: Record<string, unknown> = {}): Expression {
  let compiled: ReturnType<typeof jsonata>;
  try {
    compiled = jsonata(source);
  } catch (e) {
    const err = e as { message?: string; code?: string; position?: number };
    throw new ExpressionError(err.message ?? 'invalid expression', err.code ?? 'syntax', err.position);
  }
  const forbidden = findForbidden(compiled.ast());
  if (forbidden) {
    throw new ExpressionError(
      `$${String(forbidden.value)} is not allowed in rules`,
      'forbidden',
      forbidden.position,
    );
  }
  const freeVariables = findFreeVariables(compiled.ast());
  const assign = compiled.assign as (name: string | symbol, value: unknown) => void;
  assign(ENTRY, (_expr: unknown, _input: unknown, env: Env) => {
    const guard = env.lookup('__guard') as Guard | undefined;
    if (!guard) return;
    guard.depth++;
    checkGuard(guard);
  });
  assign(EXIT, (_expr: unknown, _input: unknown, env: Env) => {
    const guard = env.lookup('__guard') as Guard | undefined;
    if (guard) guard.depth--;
  });
  for (const [name, fn] of Object.entries(functions)) compiled.assign(name, fn);
  return {
    source,
    freeVariables,
    async evaluate(input, bindings = {}, limits = DEFAULT_EXPRESSION_LIMITS) {
      const guard: Guard = { start: Date.now(), depth: 0, limits };
      try {
        return await compiled.evaluate(input, { ...bindings, __guard: guard });
      } catch (e) {
        // $fail(status, message) in a rule raises an OCCI error on purpose: let it through.
        if (e instanceof ExpressionError || e instanceof OcciError) throw e;
        const err = e as { message?: string; code?: string; position?: number };
        throw new ExpressionError(err.message ?? String(e), err.code ?? 'evaluation', err.position);
      }
    },
  };
}

/**
 * Names read as `$name` but defined nowhere in the expression (not by `:=`, a lambda parameter,
 * or a `@$`/`#$` binding). Function calls are left out: an unknown function fails loudly at run
 * time, while an unbound variable would silently be undefined.
 */
function findFreeVariables(ast: unknown): string[] {
  const defined = new Set<string>();
  const read = new Set<string>();
  const visit = (node: unknown, called = false): void => {
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
    if (n.type === 'variable' && typeof n.value === 'string' && n.value !== '' && n.value !== '$' && !called)
      read.add(n.value);
    for (const [key, value] of Object.entries(n)) {
      if (key === 'arguments' && n.type === 'lambda') continue;
      visit(value, key === 'procedure');
    }
  };
  visit(ast);
  return [...read].filter((name) => !defined.has(name));
}
