// JSONata expressions of the rule files: compiled once at load, checked for forbidden functions,
// and evaluated under a budget that counts work (evaluation steps, depth), never time, so that a
// busy machine and an idle one give the same answer. (Interim: evaluated by the jsonata library;
// a compiler to synchronous closures replaces it.)
import jsonata from 'jsonata';
import { OcciError } from '../occi/errors.js';

export interface ExpressionLimits {
  /** Evaluation steps one request may spend on expressions. */
  maxSteps: number;
  /** Deepest nesting of evaluation (recursion included). */
  maxDepth: number;
  /** Largest sequence or string an evaluation may build. */
  maxOutput: number;
}

export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = {
  maxSteps: 20_000_000,
  maxDepth: 200,
  maxOutput: 1_000_000,
};

/** The work one request may still spend on expressions. */
export class Budget {
  used = 0;
  depth = 0;
  constructor(readonly limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS) {}
  step(): void {
    if (++this.used > this.limits.maxSteps)
      throw new ExpressionError(
        `expressions used more than ${this.limits.maxSteps} evaluation steps`,
        'steps',
      );
  }
  enter(): void {
    if (++this.depth > this.limits.maxDepth)
      throw new ExpressionError(`expression nested deeper than ${this.limits.maxDepth} levels`, 'depth');
  }
  exit(): void {
    this.depth--;
  }
}

/** Where names ($x) resolve: a chain of frames. Values may be plain data or JS functions. */
export class Scope {
  private readonly values: Map<string, unknown>;
  private thunks?: Map<string, () => unknown>;
  constructor(
    values: Record<string, unknown> = {},
    readonly parent?: Scope,
  ) {
    this.values = new Map(Object.entries(values));
  }
  lookup(name: string): unknown {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.values.has(name)) return s.values.get(name);
      const thunk = s.thunks?.get(name);
      if (thunk) {
        s.thunks!.delete(name);
        const value = thunk();
        s.values.set(name, value);
        return value;
      }
    }
    return undefined;
  }
  has(name: string): boolean {
    for (let s: Scope | undefined = this; s; s = s.parent)
      if (s.values.has(name) || s.thunks?.has(name)) return true;
    return false;
  }
  child(values: Record<string, unknown> = {}): Scope {
    return new Scope(values, this);
  }
  set(name: string, value: unknown): void {
    this.values.set(name, value);
  }
  /** A lazily computed binding: the thunk runs once, on first lookup. */
  define(name: string, thunk: () => unknown): void {
    this.thunks ??= new Map();
    this.thunks.set(name, thunk);
  }
  /** Every name visible here, innermost first (for the library fallback). */
  flatten(): Record<string, unknown> {
    const chain: Scope[] = [];
    for (let s: Scope | undefined = this; s; s = s.parent) chain.unshift(s);
    const out: Record<string, unknown> = {};
    for (const s of chain) {
      for (const name of s.thunks?.keys() ?? []) out[name] = s.lookup(name);
      for (const [k, v] of s.values) out[k] = v;
    }
    return out;
  }
}

/** Functions that would let a rule run code it builds at run time. */
const FORBIDDEN = new Set(['eval']);

/**
 * Thrown by a function whose value is not known yet (when a request is planned without sending:
 * the template lists come from the backend). The expression's value is then "not known".
 */
export class NotKnownYet extends Error {}

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
  readonly source: string;
  /** `$names` read but defined nowhere in the expression (not calls): they must come from the scope. */
  readonly freeVariables: readonly string[];
  /** `$names` called as functions. */
  readonly calledFunctions: readonly string[];
  /** False: evaluated by the jsonata library (slower; `check` lists these). */
  readonly compiled: boolean;
  readonly fallbackReason?: string;
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

const ENTRY = Symbol.for('jsonata.__evaluate_entry');
const EXIT = Symbol.for('jsonata.__evaluate_exit');
const BUDGET = '__budget';

type Env = { lookup(name: string): unknown };

/** Compiles an expression; throws ExpressionError (with the offset in the source) when it is invalid. */
export function compileExpression(source: string): Expression {
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
  const { free, called } = findNames(compiled.ast());
  const assign = compiled.assign as (name: string | symbol, value: unknown) => void;
  assign(ENTRY, (_expr: unknown, _input: unknown, env: Env) => {
    const budget = env.lookup(BUDGET) as Budget | undefined;
    if (!budget) return;
    budget.step();
    budget.enter();
  });
  assign(EXIT, (_expr: unknown, _input: unknown, env: Env) => {
    (env.lookup(BUDGET) as Budget | undefined)?.exit();
  });
  return {
    source,
    freeVariables: free,
    calledFunctions: called,
    compiled: false,
    fallbackReason: 'interim: every expression runs on the jsonata library',
    async evaluate(input, scope = {}, budget = new Budget()) {
      const bindings = scope instanceof Scope ? scope.flatten() : scope;
      const depth = budget.depth;
      try {
        return await compiled.evaluate(input, { ...bindings, [BUDGET]: budget });
      } catch (e) {
        // $fail(status, message) in a rule raises an OCCI error on purpose: let it through.
        if (e instanceof ExpressionError || e instanceof OcciError || e instanceof NotKnownYet) throw e;
        const err = e as { message?: string; code?: string; position?: number };
        throw new ExpressionError(err.message ?? String(e), err.code ?? 'evaluation', err.position);
      } finally {
        budget.depth = depth;
      }
    },
  };
}

/**
 * Names read as `$name` but defined nowhere in the expression (not by `:=`, a lambda parameter,
 * or a `@$`/`#$` binding), and names called as functions.
 */
function findNames(ast: unknown): { free: string[]; called: string[] } {
  const defined = new Set<string>();
  const read = new Set<string>();
  const called = new Set<string>();
  const visit = (node: unknown, isCall = false): void => {
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
    if (n.type === 'variable' && typeof n.value === 'string' && n.value !== '' && n.value !== '$')
      (isCall ? called : read).add(n.value);
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
