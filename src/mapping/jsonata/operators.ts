// The run-time side of JSONata's operators and navigation steps, shared by the compiled
// closures: arithmetic and comparison with the library's type errors, ranges, the wildcard and
// descendant steps. Pure functions of their operands (plus the budget).
import { JsonataError } from './errors.js';
import { current } from './runtime.js';
import { append, isFunction, isNumeric, isOuter, seq } from './values.js';

export interface At {
  position?: number;
  token: string;
}

/** `+ - * / %`: numbers or undefined on both sides (T2001, T2002), undefined if either is. */
export function arithmetic(op: string, l: unknown, r: unknown, at: At): unknown {
  if (l !== undefined && !isNumericAt(l, at)) throw new JsonataError('T2001', { ...at, value: l });
  if (r !== undefined && !isNumericAt(r, at)) throw new JsonataError('T2002', { ...at, value: r });
  if (l === undefined || r === undefined) return undefined;
  const a = l as number;
  const b = r as number;
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    default:
      return a % b;
  }
}

export function withAt<T>(f: () => T, at: At): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof JsonataError) throw e.at(at.position, at.token);
    throw e;
  }
}

export const isNumericAt = (v: unknown, at: At) => withAt(() => isNumeric(v), at);

export function compare(l: unknown, r: unknown, op: string, at: At): unknown {
  const ltype = typeof l;
  const rtype = typeof r;
  const lok = ltype === 'undefined' || ltype === 'string' || ltype === 'number';
  const rok = rtype === 'undefined' || rtype === 'string' || rtype === 'number';
  if (!lok || !rok) {
    throw new JsonataError('T2010', { ...at, value: !(ltype === 'string' || ltype === 'number') ? l : r });
  }
  if (ltype === 'undefined' || rtype === 'undefined') return undefined;
  if (ltype !== rtype) throw new JsonataError('T2009', { ...at, value: l, value2: r });
  const a = l as number;
  const b = r as number;
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

export function range(l: unknown, r: unknown, at: At): unknown {
  if (l !== undefined && !Number.isInteger(l)) throw new JsonataError('T2003', { ...at, value: l });
  if (r !== undefined && !Number.isInteger(r)) throw new JsonataError('T2004', { ...at, value: r });
  if (l === undefined || r === undefined) return undefined;
  const from = l as number;
  const to = r as number;
  if (from > to) return undefined;
  const size = to - from + 1;
  if (size > 1e7) throw new JsonataError('D2014', { ...at, value: size });
  const b = current.budget;
  b.output(size);
  b.step(size);
  const result = seq();
  for (let v = from; v <= to; v++) result.push(v);
  return result;
}

export function wildcard(input: unknown): unknown {
  let results: unknown[] = seq();
  let value = input;
  if (isOuter(value) && (value as unknown[]).length > 0) value = (value as unknown[])[0];
  if (value !== null && typeof value === 'object' && !isFunction(value)) {
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      if (Array.isArray(v)) results = append(results, flatten(v)) as unknown[];
      else results.push(v);
    }
  }
  current.budget.step(results.length);
  return results;
}

function flatten(arg: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(arg)) for (const item of arg) flatten(item, out);
  else out.push(arg);
  return out;
}

export function descendants(input: unknown): unknown {
  if (input === undefined) return undefined;
  const results = seq();
  const recurse = (v: unknown) => {
    if (!Array.isArray(v)) results.push(v);
    if (Array.isArray(v)) for (const m of v) recurse(m);
    else if (v !== null && typeof v === 'object' && !isFunction(v)) {
      for (const key of Object.keys(v)) recurse((v as Record<string, unknown>)[key]);
    }
  };
  recurse(input);
  current.budget.step(results.length);
  current.budget.output(results.length);
  return results.length === 1 ? results[0] : results;
}
