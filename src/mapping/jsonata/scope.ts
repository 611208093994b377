// Where the names an expression reads ($tables, $location, shared functions...) resolve: a chain
// of frames, each a set of values or lazily computed bindings.
import { ExpressionError } from './errors.js';

/** Returned by Scope.get for a name bound nowhere in the chain. */
export const MISSING: unique symbol = Symbol('missing');

class Lazy {
  state: 'pending' | 'running' | 'done' | 'failed' = 'pending';
  value: unknown;
  constructor(readonly thunk: () => unknown) {}
}

export class Scope {
  private readonly values: Record<string, unknown>;
  constructor(
    values?: Record<string, unknown>,
    readonly parent?: Scope,
  ) {
    this.values = Object.assign(Object.create(null) as Record<string, unknown>, values);
  }

  /** The value bound to `name`, or undefined. */
  lookup(name: string): unknown {
    const v = this.get(name);
    return v === MISSING ? undefined : v;
  }

  has(name: string): boolean {
    for (let s: Scope | undefined = this; s; s = s.parent) if (name in s.values) return true;
    return false;
  }

  child(values?: Record<string, unknown>): Scope {
    return new Scope(values, this);
  }

  /** Binds `name` in this frame (a rule's steps, as they complete). */
  set(name: string, value: unknown): void {
    this.values[name] = value;
  }

  /** A lazily computed binding: the thunk runs once, on the first lookup (a failure is kept). */
  define(name: string, thunk: () => unknown): void {
    this.values[name] = new Lazy(thunk);
  }

  /** The value bound to `name`, or MISSING: lets evaluators tell "bound to undefined" from "unbound". */
  get(name: string): unknown {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const values = s.values;
      if (name in values) {
        const v = values[name];
        return v instanceof Lazy ? force(name, v) : v;
      }
    }
    return MISSING;
  }
}

function force(name: string, lazy: Lazy): unknown {
  switch (lazy.state) {
    case 'done':
      return lazy.value;
    case 'failed':
      throw lazy.value;
    case 'running':
      throw new ExpressionError(`$${name} is defined in terms of itself`, 'recursion');
  }
  lazy.state = 'running';
  try {
    lazy.value = lazy.thunk();
    lazy.state = 'done';
    return lazy.value;
  } catch (e) {
    lazy.state = 'failed';
    lazy.value = e;
    throw e;
  }
}
