// Argument checking of the built-in functions, ported from the jsonata library's signature
// module so that a call the library refuses (T0410, T0411, T0412) is refused here too, and the
// same arguments are filled in from the context (`-`) or wrapped into arrays (`a`).
import { JsonataError } from './errors.js';
import { isFunction } from './values.js';

interface Param {
  regex: string;
  type: string;
  array?: boolean;
  context?: boolean;
  contextRegex?: RegExp;
  subtype?: string;
}

const PLURALS: Record<string, string> = {
  a: 'arrays',
  b: 'booleans',
  f: 'functions',
  n: 'numbers',
  o: 'objects',
  s: 'strings',
};

export function symbolOf(value: unknown): string {
  if (isFunction(value)) return 'f';
  switch (typeof value) {
    case 'string':
      return 's';
    case 'number':
      return 'n';
    case 'boolean':
      return 'b';
    case 'object':
      return value === null ? 'l' : Array.isArray(value) ? 'a' : 'o';
    default:
      return 'm';
  }
}

export type Validator = (args: unknown[], context: unknown) => unknown[];

export function parseSignature(signature: string): Validator {
  const params: Param[] = [];
  let param = {} as Param;
  let prev = param;
  const next = () => {
    params.push(param);
    prev = param;
    param = {} as Param;
  };
  const closing = (start: number, open: string, close: string) => {
    let depth = 1;
    let at = start;
    while (at < signature.length) {
      at++;
      const c = signature.charAt(at);
      if (c === close) {
        if (--depth === 0) break;
      } else if (c === open) depth++;
    }
    return at;
  };
  for (let at = 1; at < signature.length; at++) {
    const symbol = signature.charAt(at);
    if (symbol === ':') break;
    switch (symbol) {
      case 's':
      case 'n':
      case 'b':
      case 'l':
      case 'o':
        param.regex = `[${symbol}m]`;
        param.type = symbol;
        next();
        break;
      case 'a':
        param.regex = '[asnblfom]';
        param.type = symbol;
        param.array = true;
        next();
        break;
      case 'f':
        param.regex = 'f';
        param.type = symbol;
        next();
        break;
      case 'j':
        param.regex = '[asnblom]';
        param.type = symbol;
        next();
        break;
      case 'x':
        param.regex = '[asnblfom]';
        param.type = symbol;
        next();
        break;
      case '-':
        prev.context = true;
        prev.contextRegex = new RegExp(prev.regex);
        prev.regex += '?';
        break;
      case '?':
      case '+':
        prev.regex += symbol;
        break;
      case '(': {
        const end = closing(at, '(', ')');
        const choice = signature.substring(at + 1, end);
        param.regex = `[${choice}m]`;
        param.type = `(${choice})`;
        at = end;
        next();
        break;
      }
      case '<': {
        const end = closing(at, '<', '>');
        prev.subtype = signature.substring(at + 1, end);
        at = end;
        break;
      }
    }
  }
  const regex = new RegExp(`^${params.map((p) => `(${p.regex})`).join('')}$`);

  const fail = (args: unknown[], supplied: string): never => {
    let pattern = '^';
    let goodTo = 0;
    for (const p of params) {
      pattern += p.regex;
      const match = supplied.match(pattern);
      if (match === null) throw new JsonataError('T0410', { value: args[goodTo], index: goodTo + 1 });
      goodTo = match[0].length;
    }
    throw new JsonataError('T0410', { value: args[goodTo], index: goodTo + 1 });
  };

  return (args, context) => {
    let supplied = '';
    for (const arg of args) supplied += symbolOf(arg);
    const valid = regex.exec(supplied);
    if (!valid) return fail(args, supplied);
    const out: unknown[] = [];
    let argIndex = 0;
    params.forEach((p, index) => {
      let arg = args[argIndex];
      const match = valid[index + 1] ?? '';
      if (match === '') {
        if (p.context && p.contextRegex) {
          if (p.contextRegex.test(symbolOf(context))) out.push(context);
          else throw new JsonataError('T0411', { value: context, index: argIndex + 1 });
        } else {
          out.push(arg);
          argIndex++;
        }
        return;
      }
      for (const single of match) {
        arg = args[argIndex];
        if (p.type === 'a') {
          if (single === 'm') {
            arg = undefined;
          } else {
            let ok = true;
            if (p.subtype !== undefined) {
              if (single !== 'a' && match !== p.subtype) ok = false;
              else if (single === 'a') {
                const items = arg as unknown[];
                if (items.length > 0) {
                  const itemType = symbolOf(items[0]);
                  if (itemType !== p.subtype.charAt(0)) ok = false;
                  else ok = items.every((v) => symbolOf(v) === itemType);
                }
              }
            }
            if (!ok) {
              throw new JsonataError('T0412', {
                value: arg,
                index: argIndex + 1,
                type: PLURALS[p.subtype ?? ''],
              });
            }
            if (single !== 'a') arg = [arg];
          }
        }
        out.push(arg);
        argIndex++;
      }
    });
    return out;
  };
}
