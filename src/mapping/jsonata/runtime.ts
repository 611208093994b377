// State of the evaluation in progress and how compiled code calls functions. Compiled
// evaluation is synchronous, so the evaluation in progress is a module variable: set on entry
// to evaluate() and to every lambda (a lambda may be called later, from another evaluation or
// from JS), restored on exit.
import { OcciError } from '../../occi/errors.js';
import { Budget } from './budget.js';
import { ExpressionError, JsonataError, NotKnownYet } from './errors.js';
import type { Scope } from './scope.js';

export interface Ctx {
  budget: Budget;
  scope: Scope;
  /** The input document ($$). */
  root: unknown;
  /** $now() and $millis(): one instant per evaluation, read when first asked for. */
  now?: number;
}

export let current: Ctx = { budget: new Budget(), scope: undefined as unknown as Scope, root: undefined };

export function enter(ctx: Ctx): Ctx {
  const saved = current;
  current = ctx;
  return saved;
}

export function leave(saved: Ctx): void {
  current = saved;
}

/** How compiled code calls its own functions: raw values (sequences kept), no export. */
export const RAW: unique symbol = Symbol('raw');
export type RawCall = (input: unknown, args: unknown[]) => unknown;
/** A function value: built-ins and compiled lambdas carry RAW. */
export type Builtin = ((...args: unknown[]) => unknown) & { [RAW]?: RawCall };

/**
 * Calls a function value as the library's apply() does: built-ins get their arguments checked
 * against their signature (and the context filled in), lambdas and native JS functions are
 * called with `this` = input.
 */
export function callFunction(proc: unknown, args: unknown[], input: unknown): unknown {
  if (typeof proc === 'function') {
    const raw = (proc as Builtin)[RAW];
    if (raw !== undefined) return raw(input, args);
    const result = (proc as Builtin).apply(input, args);
    if (
      typeof result === 'object' &&
      result !== null &&
      typeof (result as Promise<unknown>).then === 'function'
    ) {
      throw new ExpressionError(
        'a function returned a Promise: only synchronous functions can be called by compiled expressions',
        'async',
      );
    }
    return result;
  }
  if (
    typeof proc === 'object' &&
    proc !== null &&
    ((proc as { _jsonata_lambda?: unknown })._jsonata_lambda === true ||
      (proc as { _jsonata_function?: unknown })._jsonata_function === true)
  ) {
    throw new ExpressionError(
      'a function made by an expression evaluated by the jsonata library cannot be called synchronously',
      'async',
    );
  }
  throw new JsonataError('T1006');
}

/** Errors that pass through evaluation unchanged: OCCI errors ($fail) and our own. */
export function isPassThrough(e: unknown): boolean {
  return e instanceof OcciError || e instanceof ExpressionError || e instanceof NotKnownYet;
}

export function step(n = 1): void {
  current.budget.step(n);
}

/** Counts the items a built-in produced and checks the size of what it built. */
export function produced(n: number): void {
  const b = current.budget;
  b.step(n);
  b.output(n);
}
