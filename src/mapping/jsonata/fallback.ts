// Expressions the compiler does not cover run on the jsonata library, asynchronously, under the
// same Budget: its evaluate hooks count a step per node (plus the items of each array a node
// returns), the function calls in progress, and the size of what each node returns.
import type jsonata from 'jsonata';
import type { Budget } from './budget.js';
import type { Scope } from './scope.js';
import { MISSING } from './scope.js';

const ENTRY = Symbol.for('jsonata.__evaluate_entry');
const EXIT = Symbol.for('jsonata.__evaluate_exit');
const BUDGET = '__budget';

type Env = { base?: Record<string | symbol, unknown>; lookup(name: string): unknown };
type AstNode = { type?: string };

/** The request's budget, read once per evaluation from the root frame's bindings. */
function budgetOf(env: Env): Budget | undefined {
  const base = env.base;
  if (!base) return env.lookup(BUDGET) as Budget | undefined;
  let b = base[BUDGET] as Budget | undefined;
  if (b === undefined) {
    b = env.lookup(BUDGET) as Budget | undefined;
    base[BUDGET] = b;
  }
  return b;
}

export interface Fallback {
  evaluate(input: unknown, scope: Scope, budget: Budget, names: readonly string[]): Promise<unknown>;
}

export function fallbackFor(compiled: ReturnType<typeof jsonata>): Fallback {
  const assign = compiled.assign as (name: string | symbol, value: unknown) => void;
  assign(ENTRY, (expr: AstNode, _input: unknown, env: Env) => {
    const budget = budgetOf(env);
    if (!budget) return;
    budget.step();
    if (expr.type === 'function') budget.enter();
  });
  assign(EXIT, (expr: AstNode, _input: unknown, env: Env, result: unknown) => {
    const budget = budgetOf(env);
    if (!budget) return;
    if (expr.type === 'function') budget.exit();
    if (Array.isArray(result)) {
      budget.step(result.length);
      budget.output(result.length);
    } else if (typeof result === 'string') {
      budget.output(result.length);
    }
  });
  return {
    async evaluate(input, scope, budget, names) {
      // Only the names the expression reads are taken from the scope (lazy bindings stay lazy).
      const bindings: Record<string, unknown> = { [BUDGET]: budget };
      for (const name of names) {
        const v = scope.get(name);
        if (v !== MISSING) bindings[name] = v;
      }
      const depth = budget.depth;
      try {
        return await compiled.evaluate(input, bindings);
      } finally {
        budget.depth = depth;
      }
    },
  };
}
