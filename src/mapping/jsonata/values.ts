// JSONata's value model in the compiled evaluator: sequences (results of paths, collapsing to
// their single item or to undefined), arrays built by `[...]` on a path (kept whole), and the
// helpers every operator shares (numbers, truthiness, equality, $string). Sequence kinds are
// symbol-keyed flags on plain arrays (cheap to make), and exportValue() copies flagged arrays
// into unflagged ones before a result leaves the evaluator.
import { JsonataError } from './errors.js';

/** Flags of arrays the evaluator makes (the library's own-property flags, as symbols). */
export const SEQ: unique symbol = Symbol('sequence');
/** A sequence kept as an array even with one item (the `[]` operator). */
export const KEEP: unique symbol = Symbol('keepSingleton');
/** An array built by an array constructor at the start or end of a path: never flattened. */
export const CONS: unique symbol = Symbol('cons');
/** The input document when it is a JSON array: a sequence of one array. */
export const OUTER: unique symbol = Symbol('outerWrapper');

export type Flagged = unknown[] & { [SEQ]?: true; [KEEP]?: true; [CONS]?: true; [OUTER]?: true };

/**
 * The prototype of the objects the evaluator builds: one without keys or a prototype of its own,
 * so that they inherit nothing (as Object.create(null) objects), yet get V8's fast properties
 * (Object.create(null) makes dictionary-mode objects, slower to fill and to read).
 */
const MADE: object = Object.create(null);
function Made(this: object): void {}
Made.prototype = MADE;

/** A new, empty object of the evaluator's (see MADE). */
export const madeObject = (): Record<string, unknown> =>
  new (Made as unknown as new () => Record<string, unknown>)();

/** A new, empty JSONata sequence. */
export function seq(): Flagged {
  const a: Flagged = [];
  a[SEQ] = true;
  return a;
}

export function seqOf(value: unknown): Flagged {
  const a: Flagged = [value];
  a[SEQ] = true;
  return a;
}

export const isSeq = (v: unknown): v is Flagged => Array.isArray(v) && (v as Flagged)[SEQ] === true;
export const isCons = (v: unknown): boolean => Array.isArray(v) && (v as Flagged)[CONS] === true;
export const isOuter = (v: unknown): boolean => Array.isArray(v) && (v as Flagged)[OUTER] === true;

/** A marker for JS functions that are JSONata built-ins (their signature is checked on call). */
export const isFunction = (v: unknown): v is (...args: unknown[]) => unknown =>
  typeof v === 'function' ||
  (typeof v === 'object' &&
    v !== null &&
    ((v as { _jsonata_function?: unknown })._jsonata_function === true ||
      (v as { _jsonata_lambda?: unknown })._jsonata_lambda === true));

/** The library's isNumeric: a number that is not NaN; infinite numbers are an error. */
export function isNumeric(n: unknown): n is number {
  if (typeof n !== 'number') return false;
  if (Number.isNaN(n)) return false;
  if (!Number.isFinite(n)) throw new JsonataError('D1001', { value: n });
  return true;
}

export function isArrayOfStrings(arg: unknown): boolean {
  return Array.isArray(arg) && arg.every((item) => typeof item === 'string');
}

export function isArrayOfNumbers(arg: unknown): boolean {
  if (!Array.isArray(arg)) return false;
  // Every item is checked (the library filters): an infinite number fails with D1001.
  let all = true;
  for (const item of arg) if (!isNumeric(item)) all = false;
  return all;
}

/** Effective boolean value ($boolean). */
export function boolean(arg: unknown): boolean | undefined {
  if (arg === undefined) return undefined;
  if (Array.isArray(arg)) {
    if (arg.length === 1) return boolean(arg[0]);
    if (arg.length > 1) {
      let trues = 0;
      for (const v of arg) if (boolean(v)) trues++;
      return trues > 0;
    }
    return false;
  }
  if (typeof arg === 'string') return arg.length > 0;
  if (isNumeric(arg)) return arg !== 0;
  if (arg !== null && typeof arg === 'object' && !isFunction(arg)) return Object.keys(arg).length > 0;
  return arg === true;
}

export function deepEqual(lhs: unknown, rhs: unknown): boolean {
  if (lhs === rhs) return true;
  if (typeof lhs === 'object' && typeof rhs === 'object' && lhs !== null && rhs !== null) {
    if (Array.isArray(lhs) && Array.isArray(rhs)) {
      if (lhs.length !== rhs.length) return false;
      for (let i = 0; i < lhs.length; i++) if (!deepEqual(lhs[i], rhs[i])) return false;
      return true;
    }
    const lkeys = Object.getOwnPropertyNames(lhs);
    const rkeys = Object.getOwnPropertyNames(rhs);
    if (lkeys.length !== rkeys.length) return false;
    lkeys.sort();
    rkeys.sort();
    for (let i = 0; i < lkeys.length; i++) if (lkeys[i] !== rkeys[i]) return false;
    for (const key of lkeys) {
      if (!deepEqual((lhs as Record<string, unknown>)[key], (rhs as Record<string, unknown>)[key]))
        return false;
    }
    return true;
  }
  return false;
}

/** $string: strings unchanged, functions '', other values as JSON with numbers to 15 digits. */
export function string(arg: unknown, prettify = false): string | undefined {
  if (arg === undefined) return undefined;
  if (typeof arg === 'string') return arg;
  if (isFunction(arg)) return '';
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) throw new JsonataError('D3001', { value: arg });
    return String(Number.isInteger(arg) ? arg : Number(arg.toPrecision(15)));
  }
  if (typeof arg === 'boolean' || arg === null) return String(arg);
  const value = isOuter(arg) ? (arg as unknown[])[0] : arg;
  return JSON.stringify(
    value,
    (_key, val) => {
      if (val !== undefined && val !== null && isNumeric(val)) {
        return !Number.isInteger(val) ? Number(val.toPrecision(15)) : val;
      }
      return val && isFunction(val) ? '' : val;
    },
    prettify ? 2 : 0,
  );
}

/** Own enumerable keys, as the library's utils.keys. */
export const keysOf = (arg: unknown): string[] =>
  typeof arg === 'object' && arg !== null ? Object.keys(arg) : [];

/** $lookup and name steps: the value under `key`, over every item of an array. */
export function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = seq();
    for (const item of input) {
      const res = lookup(item, key);
      if (res !== undefined) {
        if (Array.isArray(res)) for (const v of res) result.push(v);
        else result.push(res);
      }
    }
    return result;
  }
  if (input !== null && typeof input === 'object' && Object.hasOwn(input, key) && !isFunction(input)) {
    return (input as Record<string, unknown>)[key];
  }
  return undefined;
}

/** $append, and how array constructors add an item. */
export function append(arg1: unknown, arg2: unknown): unknown {
  if (arg1 === undefined) return arg2;
  if (arg2 === undefined) return arg1;
  const a = Array.isArray(arg1) ? arg1 : seqOf(arg1);
  const out: unknown[] = [];
  for (const v of a) out.push(v);
  if (Array.isArray(arg2)) for (const v of arg2) out.push(v);
  else out.push(arg2);
  return out;
}

/**
 * A result as callers see it: sequences and constructed arrays become plain arrays, everywhere in
 * the values the evaluator built (objects it made have no prototype; input data is left alone).
 */
export function exportValue(value: unknown, library = false, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > 256) return value;
  if (Array.isArray(value)) {
    const f = value as Flagged;
    const flagged =
      f[SEQ] === true || f[CONS] === true || f[KEEP] === true || (library && hasLibraryFlags(value));
    let out: unknown[] = value;
    if (flagged) out = value.slice();
    for (let i = 0; i < out.length; i++) {
      const v = out[i];
      if (typeof v === 'object' && v !== null) {
        const e = exportValue(v, library, depth + 1);
        if (e !== v) {
          if (out === value) out = value.slice();
          out[i] = e;
        }
      }
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== MADE && proto !== null) return value;
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    const v = obj[key];
    if (typeof v === 'object' && v !== null) {
      const e = exportValue(v, library, depth + 1);
      if (e !== v) obj[key] = e;
    }
  }
  return value;
}

/** Arrays made by the jsonata library (the fallback) carry own flags. */
function hasLibraryFlags(a: unknown[]): boolean {
  return (
    Object.hasOwn(a, 'sequence') ||
    Object.hasOwn(a, 'keepSingleton') ||
    Object.hasOwn(a, 'cons') ||
    Object.hasOwn(a, 'outerWrapper')
  );
}
