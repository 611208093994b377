// The JSONata function library for compiled expressions: synchronous ports of the jsonata
// library's functions (same argument checks, same undefined and sequence behaviour), counted
// against the evaluation budget where they produce many items or long strings.
import { JsonataError } from './errors.js';
import { type Builtin, callFunction, current, produced, RAW, step } from './runtime.js';
import { parseSignature } from './signature.js';
import {
  append as appendValues,
  boolean,
  deepEqual,
  exportValue,
  isArrayOfNumbers,
  isArrayOfStrings,
  isFunction,
  isNumeric,
  isSeq,
  keysOf,
  lookup as lookupValue,
  madeObject,
  seq,
  string as stringOf,
} from './values.js';

type Fn = (...args: never[]) => unknown;

/** Built-ins by name (without the `$`). */
export const BUILTINS = new Map<string, Builtin>();

/** Built-ins of the library the compiler does not implement: an expression using one falls back. */
export const UNSUPPORTED_BUILTINS = new Set([
  'formatNumber',
  'formatBase',
  'formatInteger',
  'parseInteger',
  'toMillis',
  'eval',
]);

function def(name: string, signature: string, arity: number, impl: Fn): void {
  const validate = parseSignature(signature);
  const run = impl as (...args: unknown[]) => unknown;
  const raw = (input: unknown, args: unknown[]) => run(...validate(args, input));
  // Called from JS (a native helper, the engine): results as callers see them.
  const fn = function (this: unknown, ...args: unknown[]) {
    return exportValue(raw(this, args));
  } as Builtin;
  fn[RAW] = raw;
  Object.defineProperty(fn, 'length', { value: arity });
  Object.defineProperty(fn, 'name', { value: name });
  BUILTINS.set(name, fn);
}

const arityOf = (f: unknown) => (f as { length: number }).length;

/** Arguments for a callback of $map, $filter...: the value, then index and array if it takes them. */
function hofArgs(func: unknown, value: unknown, index: unknown, whole: unknown): unknown[] {
  const n = arityOf(func);
  if (n >= 3) return [value, index, whole];
  if (n >= 2) return [value, index];
  return [value];
}

const call = (func: unknown, args: unknown[]) => callFunction(func, args, null);

const chars = (s: string) => Array.from(s);

function checkedString(s: string): string {
  current.budget.output(s.length);
  return s;
}

// --- aggregation
def('sum', '<a<n>:n>', 1, (args: number[] | undefined) => {
  if (args === undefined) return undefined;
  step(args.length);
  let total = 0;
  for (const n of args) total += n;
  return total;
});
def('count', '<a:n>', 1, (args: unknown[] | undefined) => (args === undefined ? 0 : args.length));
def('max', '<a<n>:n>', 1, (args: number[] | undefined) =>
  args === undefined || args.length === 0 ? undefined : Math.max(...args),
);
def('min', '<a<n>:n>', 1, (args: number[] | undefined) =>
  args === undefined || args.length === 0 ? undefined : Math.min(...args),
);
def('average', '<a<n>:n>', 1, (args: number[] | undefined) => {
  if (args === undefined || args.length === 0) return undefined;
  let total = 0;
  for (const n of args) total += n;
  return total / args.length;
});

// --- strings
def('string', '<x-b?:s>', 1, (arg: unknown, prettify?: boolean) => {
  const s = stringOf(arg, prettify ?? false);
  return s === undefined ? s : checkedString(s);
});
def('substring', '<s-nn?:s>', 3, (str: string | undefined, start: number, length?: number) => {
  if (str === undefined) return undefined;
  const a = chars(str);
  let from = start;
  if (a.length + from < 0) from = 0;
  if (length !== undefined) {
    if (length <= 0) return '';
    const end = from >= 0 ? from + length : a.length + from + length;
    return a.slice(from, end).join('');
  }
  return a.slice(from).join('');
});
def('substringBefore', '<s-s:s>', 2, (str: string | undefined, token: string) => {
  if (str === undefined) return undefined;
  const pos = str.indexOf(token);
  return pos > -1 ? str.substring(0, pos) : str;
});
def('substringAfter', '<s-s:s>', 2, (str: string | undefined, token: string) => {
  if (str === undefined) return undefined;
  const pos = str.indexOf(token);
  return pos > -1 ? str.substring(pos + token.length) : str;
});
def('lowercase', '<s-:s>', 1, (str: string | undefined) => str?.toLowerCase());
def('uppercase', '<s-:s>', 1, (str: string | undefined) => str?.toUpperCase());
def('length', '<s-:n>', 1, (str: string | undefined) => (str === undefined ? undefined : chars(str).length));
def('trim', '<s-:s>', 1, (str: string | undefined) => {
  if (str === undefined) return undefined;
  let result = str.replace(/[ \t\n\r]+/gm, ' ');
  if (result.charAt(0) === ' ') result = result.substring(1);
  if (result.charAt(result.length - 1) === ' ') result = result.substring(0, result.length - 1);
  return result;
});
def('pad', '<s-ns?:s>', 3, (str: string | undefined, width: number, padChar?: string) => {
  if (str === undefined) return undefined;
  const c = padChar === undefined || padChar.length === 0 ? ' ' : padChar;
  const w = Math.trunc(width);
  const padLength = Math.abs(w) - chars(str).length;
  if (padLength <= 0) return str;
  current.budget.output(padLength * c.length);
  let padding = new Array(padLength + 1).join(c);
  if (c.length > 1) padding = chars(padding).slice(0, padLength).join('');
  return checkedString(w > 0 ? str + padding : padding + str);
});

interface Match {
  match: string;
  start: number;
  end: number;
  groups: string[];
  next: () => Match | undefined;
}

function runMatcher(matcher: unknown, str: string | undefined): Match | undefined {
  const result = call(matcher, [str]) as Match | undefined;
  if (
    result &&
    !(
      typeof result.start === 'number' ||
      (result as { end: unknown }).end === 'number' ||
      Array.isArray(result.groups) ||
      isFunction(result.next)
    )
  ) {
    throw new JsonataError('T1010');
  }
  return result;
}

def('contains', '<s-(sf):b>', 2, (str: string | undefined, token: unknown) => {
  if (str === undefined || token === undefined) return undefined;
  if (typeof token === 'string') return str.indexOf(token) !== -1;
  return runMatcher(token, str) !== undefined;
});
def('match', '<s-f<s:o>n?:a<o>>', 3, (str: string | undefined, regex: unknown, limit?: number) => {
  if (str === undefined) return undefined;
  if (limit !== undefined && limit < 0) throw new JsonataError('D3040', { value: limit, index: 3 });
  const result = seq();
  if (limit === undefined || limit > 0) {
    let count = 0;
    let m = runMatcher(regex, str);
    while (m !== undefined && (limit === undefined || count < limit)) {
      result.push({ match: m.match, index: m.start, groups: m.groups });
      step();
      m = runMatcher(m.next, undefined);
      count++;
    }
  }
  return result;
});

function substitution(replacement: string, m: Match): string {
  let out = '';
  let position = 0;
  let index = replacement.indexOf('$', position);
  while (index !== -1 && position < replacement.length) {
    out += replacement.substring(position, index);
    position = index + 1;
    const dollar = replacement.charAt(position);
    if (dollar === '$') {
      out += '$';
      position++;
    } else if (dollar === '0') {
      out += m.match;
      position++;
    } else {
      const maxDigits = m.groups.length === 0 ? 1 : Math.floor(Math.log(m.groups.length) * Math.LOG10E) + 1;
      index = Number.parseInt(replacement.substring(position, position + maxDigits), 10);
      if (maxDigits > 1 && index > m.groups.length) {
        index = Number.parseInt(replacement.substring(position, position + maxDigits - 1), 10);
      }
      if (!Number.isNaN(index)) {
        if (m.groups.length > 0) {
          const sub = m.groups[index - 1];
          if (sub !== undefined) out += sub;
        }
        position += index.toString().length;
      } else {
        out += '$';
      }
    }
    index = replacement.indexOf('$', position);
  }
  return out + replacement.substring(position);
}

def(
  'replace',
  '<s-(sf)(sf)n?:s>',
  4,
  (str: string | undefined, pattern: unknown, replacement: unknown, limit?: number) => {
    if (str === undefined) return undefined;
    if (pattern === '') throw new JsonataError('D3010', { value: pattern, index: 2 });
    if (limit !== undefined && limit < 0) throw new JsonataError('D3011', { value: limit, index: 4 });
    const replacer =
      typeof replacement === 'string'
        ? (m: Match) => substitution(replacement, m)
        : (m: Match) => call(replacement, [m]);
    let result = '';
    let position = 0;
    if (limit !== undefined && limit <= 0) return str;
    let count = 0;
    if (typeof pattern === 'string') {
      let index = str.indexOf(pattern, position);
      while (index !== -1 && (limit === undefined || count < limit)) {
        result += str.substring(position, index);
        result += replacement;
        current.budget.output(result.length);
        position = index + pattern.length;
        count++;
        index = str.indexOf(pattern, position);
      }
      return checkedString(result + str.substring(position));
    }
    let m = runMatcher(pattern, str);
    if (m === undefined) return str;
    while (m !== undefined && (limit === undefined || count < limit)) {
      result += str.substring(position, m.start);
      const replaced = replacer(m);
      if (typeof replaced !== 'string') throw new JsonataError('D3012', { value: replaced });
      result += replaced;
      current.budget.output(result.length);
      position = m.start + m.match.length;
      count++;
      m = runMatcher(m.next, undefined);
    }
    return checkedString(result + str.substring(position));
  },
);
def('split', '<s-(sf)n?:a<s>>', 3, (str: string | undefined, separator: unknown, limit?: number) => {
  if (str === undefined) return undefined;
  if (limit !== undefined && limit < 0) throw new JsonataError('D3020', { value: limit, index: 3 });
  let result: string[] = [];
  if (limit === undefined || limit > 0) {
    if (typeof separator === 'string') {
      result = str.split(separator, limit);
    } else {
      let count = 0;
      let m = runMatcher(separator, str);
      if (m !== undefined) {
        let start = 0;
        while (m !== undefined && (limit === undefined || count < limit)) {
          result.push(str.substring(start, m.start));
          start = m.end;
          m = runMatcher(m.next, undefined);
          count++;
        }
        if (limit === undefined || count < limit) result.push(str.substring(start));
      } else {
        result.push(str);
      }
    }
  }
  produced(result.length);
  return result;
});
def('join', '<a<s>s?:s>', 2, (strs: string[] | undefined, separator?: string) => {
  if (strs === undefined) return undefined;
  step(strs.length);
  return checkedString(strs.join(separator ?? ''));
});

function base64(direction: 'encode' | 'decode') {
  return (str: string | undefined) => {
    if (str === undefined) return undefined;
    return direction === 'encode'
      ? checkedString(Buffer.from(str, 'binary').toString('base64'))
      : Buffer.from(str, 'base64').toString('binary');
  };
}
def('base64encode', '<s-:s>', 1, base64('encode'));
def('base64decode', '<s-:s>', 1, base64('decode'));

function url(name: string, f: (s: string) => string) {
  def(name, '<s-:s>', 1, (str: string | undefined) => {
    if (str === undefined) return undefined;
    try {
      return f(str);
    } catch {
      throw new JsonataError('D3140', { value: str, functionName: name });
    }
  });
}
url('encodeUrlComponent', encodeURIComponent);
url('encodeUrl', encodeURI);
url('decodeUrlComponent', decodeURIComponent);
url('decodeUrl', decodeURI);

// --- numbers
def('number', '<(nsb)-:n>', 1, (arg: unknown) => {
  if (arg === undefined) return undefined;
  if (typeof arg === 'number') return arg;
  if (
    typeof arg === 'string' &&
    /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/.test(arg) &&
    !Number.isNaN(Number.parseFloat(arg)) &&
    Number.isFinite(Number(arg))
  ) {
    return Number.parseFloat(arg);
  }
  if (typeof arg === 'string' && /^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$/.test(arg))
    return Number(arg);
  if (arg === true) return 1;
  if (arg === false) return 0;
  throw new JsonataError('D3030', { value: arg, index: 1 });
});
def('abs', '<n-:n>', 1, (n: number | undefined) => (n === undefined ? undefined : Math.abs(n)));
def('floor', '<n-:n>', 1, (n: number | undefined) => (n === undefined ? undefined : Math.floor(n)));
def('ceil', '<n-:n>', 1, (n: number | undefined) => (n === undefined ? undefined : Math.ceil(n)));
def('round', '<n-n?:n>', 2, (arg: number | undefined, precision?: number) => {
  if (arg === undefined) return undefined;
  let n = arg;
  if (precision) {
    const v = n.toString().split('e');
    n = +`${v[0]}e${v[1] ? +v[1] + precision : precision}`;
  }
  let result = Math.round(n);
  const diff = result - n;
  if (Math.abs(diff) === 0.5 && Math.abs(result % 2) === 1) result = result - 1;
  if (precision) {
    const v = result.toString().split('e');
    result = +`${v[0]}e${v[1] ? +v[1] - precision : -precision}`;
  }
  if (Object.is(result, -0)) result = 0;
  return result;
});
def('sqrt', '<n-:n>', 1, (n: number | undefined) => {
  if (n === undefined) return undefined;
  if (n < 0) throw new JsonataError('D3060', { value: n, index: 1 });
  return Math.sqrt(n);
});
def('power', '<n-n:n>', 2, (base: number | undefined, exp: number) => {
  if (base === undefined) return undefined;
  const result = base ** exp;
  if (!Number.isFinite(result)) throw new JsonataError('D3061', { value: base, exp, index: 1 });
  return result;
});
def('random', '<:n>', 0, () => Math.random());

// --- booleans
def('boolean', '<x-:b>', 1, (arg: unknown) => boolean(arg));
def('not', '<x-:b>', 1, (arg: unknown) => (arg === undefined ? undefined : !boolean(arg)));
def('exists', '<x:b>', 1, (arg: unknown) => arg !== undefined);

// --- higher-order
def('map', '<af>', 2, (arr: unknown[] | undefined, func: unknown) => {
  if (arr === undefined) return undefined;
  const result = seq();
  for (let i = 0; i < arr.length; i++) {
    const res = call(func, hofArgs(func, arr[i], i, arr));
    if (res !== undefined) result.push(res);
  }
  produced(result.length);
  return result;
});
def('filter', '<af>', 2, (arr: unknown[] | undefined, func: unknown) => {
  if (arr === undefined) return undefined;
  const result = seq();
  for (let i = 0; i < arr.length; i++) {
    if (boolean(call(func, hofArgs(func, arr[i], i, arr)))) result.push(arr[i]);
  }
  produced(result.length);
  return result;
});
def('single', '<af?>', 2, (arr: unknown[] | undefined, func?: unknown) => {
  if (arr === undefined) return undefined;
  let found = false;
  let result: unknown;
  for (let i = 0; i < arr.length; i++) {
    const ok = func === undefined ? true : boolean(call(func, hofArgs(func, arr[i], i, arr)));
    if (ok) {
      if (found) throw new JsonataError('D3138', { index: i });
      result = arr[i];
      found = true;
    }
  }
  if (!found) throw new JsonataError('D3139');
  return result;
});
def('zip', '<a+>', 0, (...arrays: unknown[][]) => {
  const length = Math.min(...arrays.map((a) => (Array.isArray(a) ? a.length : 0)));
  const result: unknown[] = [];
  for (let i = 0; i < length; i++) result.push(arrays.map((a) => a[i]));
  produced(result.length);
  return result;
});
def('reduce', '<afj?:j>', 3, (sequence: unknown[] | undefined, func: unknown, init?: unknown) => {
  if (sequence === undefined) return undefined;
  const arity = arityOf(func);
  if (arity < 2) throw new JsonataError('D3050', { index: 1 });
  let result: unknown;
  let index: number;
  if (init === undefined && sequence.length > 0) {
    result = sequence[0];
    index = 1;
  } else {
    result = init;
    index = 0;
  }
  for (; index < sequence.length; index++) {
    const args = [result, sequence[index]];
    if (arity >= 3) args.push(index);
    if (arity >= 4) args.push(sequence);
    result = call(func, args);
  }
  return result;
});
def('sift', '<o-f?:o>', 2, (arg: Record<string, unknown>, func: unknown) => {
  const result = madeObject();
  for (const key of keysOf(arg)) {
    if (boolean(call(func, hofArgs(func, arg[key], key, arg)))) result[key] = arg[key];
  }
  return keysOf(result).length === 0 ? undefined : result;
});
def('each', '<o-f:a>', 2, (obj: Record<string, unknown>, func: unknown) => {
  const result = seq();
  for (const key of keysOf(obj)) {
    const val = call(func, hofArgs(func, obj[key], key, obj));
    if (val !== undefined) result.push(val);
  }
  produced(result.length);
  return result;
});

// --- objects and arrays
function keys(arg: unknown): unknown[] {
  const result = seq();
  if (Array.isArray(arg)) {
    const merged: Record<string, boolean> = Object.create(null);
    for (const item of arg) for (const key of keys(item)) merged[key as string] = true;
    return keys(merged);
  }
  if (arg !== null && typeof arg === 'object' && !isFunction(arg))
    for (const key of Object.keys(arg)) result.push(key);
  return result;
}
def('keys', '<x-:a<s>>', 1, (arg: unknown) => {
  const k = keys(arg);
  produced(k.length);
  return k;
});
def('lookup', '<x-s:x>', 2, (input: unknown, key: string) => lookupValue(input, key));
def('append', '<xx:a>', 2, (a: unknown, b: unknown) => {
  const result = appendValues(a, b);
  if (Array.isArray(result)) produced(result.length);
  return result;
});
function spread(arg: unknown): unknown {
  if (Array.isArray(arg)) {
    let result: unknown = seq();
    for (const item of arg) result = appendValues(result, spread(item));
    return result;
  }
  if (arg !== null && typeof arg === 'object' && !(arg as { _jsonata_lambda?: unknown })._jsonata_lambda) {
    const result = seq();
    for (const key of keysOf(arg)) {
      const obj = madeObject();
      obj[key] = (arg as Record<string, unknown>)[key];
      result.push(obj);
    }
    return result;
  }
  return arg;
}
def('spread', '<x-:a<o>>', 1, (arg: unknown) => {
  const result = spread(arg);
  if (Array.isArray(result)) produced(result.length);
  return result;
});
def('merge', '<a<o>:o>', 1, (arg: Record<string, unknown>[] | undefined) => {
  if (arg === undefined) return undefined;
  const result = madeObject();
  for (const obj of arg) for (const prop of keysOf(obj)) result[prop] = obj[prop];
  produced(Object.keys(result).length);
  return result;
});
def('reverse', '<a:a>', 1, (arr: unknown[] | undefined) => {
  if (arr === undefined) return undefined;
  if (arr.length <= 1) return arr;
  produced(arr.length);
  const result = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) result[arr.length - i - 1] = arr[i];
  return result;
});
def('error', '<s?:x>', 1, (message?: string) => {
  throw new JsonataError('D3137', { message: message || '$error() function evaluated' });
});
def('assert', '<bs?:x>', 2, (condition: boolean, message?: string) => {
  if (!condition) throw new JsonataError('D3141', { message: message || '$assert() statement failed' });
  return undefined;
});
def('type', '<x:s>', 1, (value: unknown) => {
  if (value === undefined) return undefined;
  if (value === null) return 'null';
  if (isNumeric(value)) return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value)) return 'array';
  if (isFunction(value)) return 'function';
  return 'object';
});

/** The library's stable merge sort; `swap(a, b)` true puts b first. */
export function mergeSort(arr: unknown[], swap: (a: unknown, b: unknown) => unknown): unknown[] {
  if (arr.length <= 1) return arr;
  const sort = (array: unknown[]): unknown[] => {
    if (array.length <= 1) return array;
    const middle = Math.floor(array.length / 2);
    const left = sort(array.slice(0, middle));
    const right = sort(array.slice(middle));
    const merged: unknown[] = [];
    let l = 0;
    let r = 0;
    while (l < left.length && r < right.length) {
      if (swap(left[l], right[r])) merged.push(right[r++]);
      else merged.push(left[l++]);
    }
    while (l < left.length) merged.push(left[l++]);
    while (r < right.length) merged.push(right[r++]);
    step(merged.length);
    return merged;
  };
  return sort(arr);
}

def('sort', '<af?:a>', 2, (arr: unknown[] | undefined, comparator?: unknown) => {
  if (arr === undefined) return undefined;
  if (arr.length <= 1) return arr;
  if (comparator === undefined) {
    if (!isArrayOfNumbers(arr) && !isArrayOfStrings(arr)) throw new JsonataError('D3070', { index: 1 });
    return mergeSort(arr, (a, b) => (a as number) > (b as number));
  }
  return mergeSort(arr, (a, b) => call(comparator, [a, b]));
});
def('shuffle', '<a:a>', 1, (arr: unknown[] | undefined) => {
  if (arr === undefined) return undefined;
  if (arr.length <= 1) return arr;
  const result = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const j = Math.floor(Math.random() * (i + 1));
    if (i !== j) result[i] = result[j];
    result[j] = arr[i];
  }
  return result;
});
def('distinct', '<x:x>', 1, (arr: unknown) => {
  if (arr === undefined) return undefined;
  if (!Array.isArray(arr) || arr.length <= 1) return arr;
  const results: unknown[] = isSeq(arr) ? seq() : [];
  for (const value of arr) {
    step(results.length + 1);
    if (!results.some((r) => deepEqual(value, r))) results.push(value);
  }
  produced(results.length);
  return results;
});
def('clone', '<(oa)-:o>', 1, (arg: unknown) => {
  if (arg === undefined) return undefined;
  return JSON.parse(stringOf(arg) as string);
});

// --- time: one instant per evaluation, as the library's $now() and $millis()
function instant(): number {
  current.now ??= Date.now();
  return current.now;
}
const iso = (ms: number) => new Date(ms).toISOString();
def('millis', '<:n>', 0, () => instant());
def('now', '<s?s?:s>', 2, () => iso(instant()));
def('fromMillis', '<n-s?s?:s>', 3, (millis: number | undefined) =>
  millis === undefined ? undefined : iso(millis),
);

/** Built-ins the compiler implements only without their optional picture/timezone arguments. */
export const MAX_ARGUMENTS = new Map([
  ['now', 0],
  ['fromMillis', 1],
]);
