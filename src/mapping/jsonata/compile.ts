// Compiles jsonata's own AST (jsonata(src).ast(), after the library's post-processing) into
// synchronous JavaScript closures, built once when the rules load. Each closure mirrors what
// the library's evaluate() does for that node, synchronously: paths with sequence semantics
// (flattening, singletons, undefined, `[]`), predicates, constructors, operators, blocks and
// bindings, lambdas and function calls. Constructs outside the supported subset throw
// Unsupported at compile time, and the expression is then run by the jsonata library instead.
import { JsonataError } from './errors.js';
import { arithmetic, compare, descendants, range, wildcard, withAt } from './operators.js';
import { BUILTINS, MAX_ARGUMENTS, mergeSort, UNSUPPORTED_BUILTINS } from './functions.js';
import { callFunction, current, enter, leave, RAW, type RawCall } from './runtime.js';
import { MISSING } from './scope.js';
import {
  append,
  boolean,
  CONS,
  deepEqual,
  exportValue,
  type Flagged,
  isArrayOfNumbers,
  isCons,
  isFunction,
  isNumeric,
  isOuter,
  isSeq,
  KEEP,
  lookup,
  madeObject,
  OUTER,
  seq,
  seqOf,
  string as stringOf,
} from './values.js';

/** A node of jsonata's processed AST (only the fields the compiler reads). */
export interface Node {
  type: string;
  value?: unknown;
  position?: number;
  steps?: Node[];
  stages?: { type: string; expr: Node; value?: unknown }[];
  predicate?: { type: string; expr: Node }[];
  group?: { lhs: [Node, Node][]; position?: number };
  expressions?: Node[];
  lhs?: Node | [Node, Node][];
  rhs?: Node;
  expression?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
  procedure?: Node;
  arguments?: Node[];
  body?: Node;
  signature?: unknown;
  terms?: { descending: boolean; expression: Node }[];
  keepArray?: boolean;
  keepSingletonArray?: boolean;
  consarray?: boolean;
  tuple?: boolean;
  focus?: string;
  index?: string;
  ancestor?: unknown;
  seekingParent?: unknown;
  thunk?: boolean;
}

export class Unsupported extends Error {}

/** A runtime frame: the slots of one block or lambda call, linked to the enclosing frame. */
export class Frame {
  constructor(
    readonly slots: unknown[],
    readonly parent: Frame | null,
    /** In a lambda's frame: the context of the call (the library's trampoline hands it to tail calls). */
    readonly callerInput?: unknown,
  ) {}
}

const UNSET: unique symbol = Symbol('unset');

type Code = (input: unknown, frame: Frame) => unknown;
type SeqCode = (input: unknown[], frame: Frame) => unknown;

/** A compile-time scope: a block, lambda or the root, with the names it may bind. */
interface StaticScope {
  slots: Map<string, number>;
  params: Set<string>;
  parent: StaticScope | null;
  /** Whether a runtime frame exists for it: always for the root and lambdas, for blocks that bind. */
  frame: boolean;
  lambda?: boolean;
}

export interface CompiledProgram {
  /** Runs with the evaluation context already entered (runtime.enter). */
  run(input: unknown): unknown;
}

export function compileProgram(ast: Node): CompiledProgram {
  const root = scopeFor([ast], new Set(), null, true);
  const code = compile(ast, root);
  const rootSize = root.slots.size;
  return {
    run(input) {
      const wrapped = Array.isArray(input) && !isSeq(input) ? outer(input) : input;
      return code(wrapped, new Frame(new Array(rootSize).fill(UNSET), null));
    },
  };
}

function outer(input: unknown[]): Flagged {
  const s = seqOf(input);
  s[OUTER] = true;
  return s;
}

// ---------------------------------------------------------------- scopes

/** Names bound by `:=` in these nodes, not looking inside nested blocks and lambdas. */
function bindsIn(nodes: Node[], out: Set<string>): void {
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    if (typeof n !== 'object' || n === null) return;
    const node = n as Node;
    if (node.type === 'block' || node.type === 'lambda') return;
    if (node.type === 'bind') {
      const name = (node.lhs as Node).value as string;
      if (name === '' || name === '$') throw new Unsupported('binding $ or $$');
      out.add(name);
    }
    for (const [key, v] of Object.entries(node)) {
      if (key === 'value' || key === 'position') continue;
      visit(v);
    }
  };
  for (const n of nodes) visit(n);
}

function scopeFor(
  nodes: Node[],
  params: Set<string>,
  parent: StaticScope | null,
  frame: boolean,
): StaticScope {
  const names = new Set(params);
  bindsIn(nodes, names);
  const slots = new Map<string, number>();
  for (const n of names) slots.set(n, slots.size);
  return { slots, params, parent, frame: frame || slots.size > 0 };
}

/** Where a name may be bound, innermost first: [frames up, slot, always set]. */
function candidates(name: string, scope: StaticScope): [number, number, boolean][] {
  const out: [number, number, boolean][] = [];
  let hops = 0;
  for (let s: StaticScope | null = scope; s; s = s.parent) {
    const slot = s.slots.get(name);
    if (slot !== undefined) {
      const always = s.params.has(name);
      out.push([hops, slot, always]);
      if (always) break;
    }
    if (s.frame) hops++;
  }
  return out;
}

function frameAt(frame: Frame, hops: number): Frame {
  let f = frame;
  for (let i = 0; i < hops; i++) f = f.parent!;
  return f;
}

/** Resolves `$name` at run time: local frames, then the caller's scope, then the built-ins. */
function variableReader(name: string, scope: StaticScope, called = false): Code {
  const found = candidates(name, scope);
  const external = () => {
    const v = current.scope.get(name);
    if (v !== MISSING) return v;
    return BUILTINS.get(name);
  };
  if (found.length === 0) {
    if (UNSUPPORTED_BUILTINS.has(name) || (MAX_ARGUMENTS.has(name) && !called)) {
      throw new Unsupported(`uses $${name}, which the compiler does not implement`);
    }
    return external;
  }
  if (found.length === 1) {
    const [hops, slot, always] = found[0]!;
    if (hops === 0) {
      return (_input, frame) => {
        const v = frame.slots[slot];
        return v === UNSET ? external() : v;
      };
    }
    if (always) return (_input, frame) => frameAt(frame, hops).slots[slot];
    return (_input, frame) => {
      const v = frameAt(frame, hops).slots[slot];
      return v === UNSET ? external() : v;
    };
  }
  return (_input, frame) => {
    for (const [hops, slot] of found) {
      const v = frameAt(frame, hops).slots[slot];
      if (v !== UNSET) return v;
    }
    return external();
  };
}

// ---------------------------------------------------------------- nodes

function normalize(result: unknown, keepArray: boolean): unknown {
  if (isSeq(result)) {
    if (keepArray) result[KEEP] = true;
    if (result.length === 0) return undefined;
    if (result.length === 1) return result[KEEP] === true ? result : result[0];
  }
  return result;
}

/** A node as the library's evaluate(): its value, then predicates, grouping, and sequence collapse. */
function compile(node: Node, scope: StaticScope): Code {
  if (
    node.tuple ||
    node.focus !== undefined ||
    node.index !== undefined ||
    node.ancestor ||
    node.seekingParent
  ) {
    throw new Unsupported('context or position bindings (@, #) or the parent operator (%)');
  }
  const core = compileCore(node, scope);
  const filters = (node.predicate ?? []).map((p) => compileFilter(p.expr, scope));
  const group = node.type !== 'path' && node.group ? compileGroup(node.group, scope) : undefined;
  const keepArray = node.keepArray === true;
  if (filters.length === 0 && !group) {
    if (isLiteral(node)) {
      return (input, frame) => {
        current.budget.step();
        return core(input, frame);
      };
    }
    return (input, frame) => {
      current.budget.step();
      return normalize(core(input, frame), keepArray);
    };
  }
  return (input, frame) => {
    current.budget.step();
    let result = core(input, frame);
    for (const f of filters) result = f(result, frame);
    if (group) result = group(result, frame);
    return normalize(result, keepArray);
  };
}

function counted(code: Code): Code {
  return (input, frame) => {
    current.budget.step();
    return code(input, frame);
  };
}

const isLiteral = (n: Node) => n.type === 'string' || n.type === 'number' || n.type === 'value';

function compileCore(node: Node, scope: StaticScope): Code {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value': {
      const v = node.value;
      return () => v;
    }
    case 'path':
      return compilePath(node, scope);
    case 'name': {
      const name = String(node.value);
      return (input) => lookup(input, name);
    }
    case 'wildcard':
      return wildcard;
    case 'descendant':
      return descendants;
    case 'variable':
      return compileVariable(node, scope);
    case 'binary':
      return compileBinary(node, scope);
    case 'unary':
      return compileUnary(node, scope);
    case 'condition':
      return compileCondition(node, scope);
    case 'block':
      return compileBlock(node, scope);
    case 'bind':
      return compileBind(node, scope);
    case 'regex':
      return compileRegex(node);
    case 'function':
      return compileCall(node, scope);
    case 'lambda':
      return compileLambda(node, scope);
    case 'apply':
      return compileApply(node, scope);
    case 'partial':
      throw new Unsupported('partial application (?)');
    case 'transform':
      throw new Unsupported('the transform operator (|...|)');
    case 'parent':
      throw new Unsupported('the parent operator (%)');
    default:
      throw new Unsupported(`the ${node.type} construct`);
  }
}

function compileVariable(node: Node, scope: StaticScope): Code {
  const name = String(node.value);
  if (name === '') return (input) => (isOuter(input) ? (input as unknown[])[0] : input);
  if (name === '$') return () => current.root;
  return variableReader(name, scope);
}

// ---------------------------------------------------------------- paths

function compilePath(node: Node, scope: StaticScope): Code {
  const steps = node.steps!;
  const firstIsVariable = steps[0]!.type === 'variable';
  const codes: { whole?: Code; step?: SeqCode }[] = steps.map((s, i) => {
    if (s.focus !== undefined || s.tuple) throw new Unsupported('context or position bindings (@, #)');
    if (i === 0 && s.consarray) return { whole: compile(s, scope) };
    return { step: compileStep(s, scope, i === steps.length - 1) };
  });
  const keepSingletonArray = node.keepSingletonArray === true;
  const group = node.group ? compileGroup(node.group, scope) : undefined;
  const wholeFirst = codes[0]!.whole !== undefined;
  return (input, frame) => {
    // Steps only iterate over their input: a plain array will do, except for an array constructor
    // as first step, which sees the sequence itself.
    let inputSequence: unknown =
      Array.isArray(input) && !firstIsVariable ? input : wholeFirst ? seqOf(input) : [input];
    let result: unknown;
    for (const c of codes) {
      result = c.whole ? c.whole(inputSequence, frame) : c.step!(inputSequence as unknown[], frame);
      if (result === undefined || (result as unknown[]).length === 0) break;
      inputSequence = result;
    }
    if (keepSingletonArray) {
      if (isCons(result) && !isSeq(result)) result = seqOf(result);
      if (result === undefined || result === null) {
        throw new TypeError("Cannot set properties of undefined (setting 'keepSingleton')");
      }
      if (isSeq(result)) result[KEEP] = true;
    }
    if (group) result = group(result, frame);
    return result;
  };
}

function compileStep(step: Node, scope: StaticScope, last: boolean): SeqCode {
  const stages = (step.stages ?? []).map((s) => {
    if (s.type !== 'filter') throw new Unsupported('position bindings (#)');
    return compileFilter(s.expr, scope);
  });
  if (step.type === 'sort') {
    const sort = compileSort(step, scope);
    return (input, frame) => {
      let result: unknown = sort(input, frame);
      for (const f of stages) result = f(result, frame);
      return result;
    };
  }
  const code = compile(step, scope);
  return (input, frame) => {
    const n = input.length;
    if (n === 1) {
      // One item in, the usual case: no intermediate list.
      let res = code(input[0], frame);
      for (const f of stages) res = f(res, frame);
      if (res === undefined) return seq();
      if (last && Array.isArray(res) && !isSeq(res)) return res;
      if (!Array.isArray(res) || isCons(res)) return seqOf(res);
      const out = seq();
      for (const v of res) out.push(v);
      current.budget.step(out.length);
      current.budget.output(out.length);
      return out;
    }
    const result: unknown[] = [];
    for (let i = 0; i < n; i++) {
      let res = code(input[i], frame);
      for (const f of stages) res = f(res, frame);
      if (res !== undefined) result.push(res);
    }
    if (last && result.length === 1 && Array.isArray(result[0]) && !isSeq(result[0])) {
      return result[0];
    }
    const out = seq();
    for (const res of result) {
      if (!Array.isArray(res) || isCons(res)) out.push(res);
      else for (const v of res) out.push(v);
    }
    const b = current.budget;
    b.step(out.length);
    b.output(out.length);
    return out;
  };
}

/** A predicate `[...]`: a number picks by index, anything else filters by its boolean value. */
function compileFilter(predicate: Node, scope: StaticScope): Code {
  if (predicate.type === 'number') {
    const at = Math.floor(predicate.value as number);
    return (input) => {
      const items = Array.isArray(input) ? input : seqOf(input);
      const index = at < 0 ? items.length + at : at;
      const item = items[index];
      if (item === undefined) return seq();
      if (Array.isArray(item)) return item;
      return seqOf(item);
    };
  }
  const code = compile(predicate, scope);
  return (input, frame) => {
    const items = Array.isArray(input) ? input : seqOf(input);
    const results = seq();
    for (let index = 0; index < items.length; index++) {
      const item = items[index];
      let res = code(item, frame);
      if (isNumeric(res)) res = [res];
      if (isArrayOfNumbers(res)) {
        for (const r of res as number[]) {
          let ii = Math.floor(r);
          if (ii < 0) ii = items.length + ii;
          if (ii === index) results.push(item);
        }
      } else if (boolean(res)) {
        results.push(item);
      }
    }
    return results;
  };
}

function compileSort(node: Node, scope: StaticScope): SeqCode {
  const terms = node.terms!.map((t) => ({
    descending: t.descending === true,
    code: compile(t.expression, scope),
  }));
  const position = node.position;
  return (input, frame) => {
    const swap = (a: unknown, b: unknown) => {
      let comp = 0;
      for (let i = 0; comp === 0 && i < terms.length; i++) {
        const term = terms[i]!;
        const aa = term.code(a, frame);
        const bb = term.code(b, frame);
        const atype = typeof aa;
        const btype = typeof bb;
        if (atype === 'undefined') {
          comp = btype === 'undefined' ? 0 : 1;
          continue;
        }
        if (btype === 'undefined') {
          comp = -1;
          continue;
        }
        if (!(atype === 'string' || atype === 'number') || !(btype === 'string' || btype === 'number')) {
          throw new JsonataError('T2008', {
            position,
            value: !(atype === 'string' || atype === 'number') ? aa : bb,
          });
        }
        if (atype !== btype) throw new JsonataError('T2007', { position, value: aa, value2: bb });
        if (aa === bb) continue;
        comp = (aa as number) < (bb as number) ? -1 : 1;
        if (term.descending) comp = -comp;
      }
      return comp === 1;
    };
    return mergeSort(input, swap);
  };
}

// ---------------------------------------------------------------- operators

function compileBinary(node: Node, scope: StaticScope): Code {
  const op = String(node.value);
  const lhs = compile(node.lhs as Node, scope);
  const rhs = compile(node.rhs!, scope);
  const at = { position: node.position, token: op };
  const boolize = (v: unknown) => boolean(v) ?? false;
  switch (op) {
    case 'and':
      return (input, frame) => boolize(lhs(input, frame)) && boolize(rhs(input, frame));
    case 'or':
      return (input, frame) => boolize(lhs(input, frame)) || boolize(rhs(input, frame));
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return (input, frame) => arithmetic(op, lhs(input, frame), rhs(input, frame), at);
    case '=':
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        if (l === undefined || r === undefined) return false;
        return deepEqual(l, r);
      };
    case '!=':
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        if (l === undefined || r === undefined) return false;
        return !deepEqual(l, r);
      };
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (input, frame) => compare(lhs(input, frame), rhs(input, frame), op, at);
    case '&':
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        const s =
          (l === undefined ? '' : withAt(() => stringOf(l)!, at)) +
          (r === undefined ? '' : withAt(() => stringOf(r)!, at));
        current.budget.output(s.length);
        return s;
      };
    case '..':
      return (input, frame) => range(lhs(input, frame), rhs(input, frame), at);
    case 'in':
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        if (l === undefined || r === undefined) return false;
        const list = Array.isArray(r) ? r : [r];
        for (const v of list) if (v === l) return true;
        return false;
      };
    default:
      throw new Unsupported(`the ${op} operator`);
  }
}

function compileUnary(node: Node, scope: StaticScope): Code {
  switch (node.value) {
    case '-': {
      const expr = compile(node.expression!, scope);
      return (input, frame) => {
        const v = expr(input, frame);
        if (v === undefined) return undefined;
        if (isNumeric(v)) return -v;
        throw new JsonataError('D1002', { position: node.position, token: '-', value: v });
      };
    }
    case '[': {
      const items = node.expressions!.map((e) => ({ code: compile(e, scope), whole: e.value === '[' }));
      const cons = node.consarray === true;
      return (input, frame) => {
        const result: Flagged = [];
        if (cons) result[CONS] = true;
        for (const item of items) {
          const v = item.code(input, frame);
          if (v === undefined) continue;
          if (item.whole || !Array.isArray(v)) result.push(v);
          else for (const x of v) result.push(x);
        }
        const b = current.budget;
        b.step(result.length);
        b.output(result.length);
        return result;
      };
    }
    case '{':
      return compileGroup({ lhs: node.lhs as [Node, Node][], position: node.position }, scope);
    default:
      throw new Unsupported(`the unary ${String(node.value)} operator`);
  }
}

/** Object constructors, standalone or grouping a path's results by key. */
function compileGroup(group: { lhs: [Node, Node][]; position?: number }, scope: StaticScope): Code {
  const pairs = group.lhs.map(([k, v]) => ({ key: compile(k, scope), value: compile(v, scope) }));
  const position = group.position;
  // `{"a": ..., "b": ...}` on one item: literal, distinct keys group nothing, so the values can be
  // evaluated straight away, in the order the library would (its groups object's key order).
  const literal = group.lhs.map(([k]) => (k.type === 'string' ? String(k.value) : undefined));
  const reserved = (k: string) => k === '_jsonata_lambda' || k === '_jsonata_function';
  const direct =
    literal.every((k) => k !== undefined && !reserved(k)) && new Set(literal).size === literal.length
      ? Object.keys(Object.fromEntries(literal.map((k, i) => [k, i]))).map((k) => ({
          key: k,
          value: pairs[literal.indexOf(k)]!.value,
        }))
      : undefined;
  return (input, frame) => {
    if (direct && !Array.isArray(input)) {
      const result = madeObject();
      for (const d of direct) {
        const value = d.value(input, frame);
        if (value !== undefined) result[d.key] = value;
      }
      return result;
    }
    let items = Array.isArray(input) ? input : seqOf(input);
    if (items.length === 0) items = [undefined];
    const groups: Record<string, { data: unknown; exprIndex: number }> = Object.create(null);
    for (const item of items) {
      for (let pairIndex = 0; pairIndex < pairs.length; pairIndex++) {
        const key = pairs[pairIndex]!.key(item, frame);
        if (typeof key !== 'string' && key !== undefined)
          throw new JsonataError('T1003', { position, value: key });
        if (key === undefined) continue;
        if (key === '_jsonata_lambda' || key === '_jsonata_function') {
          throw new JsonataError('D1013', { position, value: key });
        }
        const entry = groups[key];
        if (entry !== undefined) {
          if (entry.exprIndex !== pairIndex) throw new JsonataError('D1009', { position, value: key });
          entry.data = append(entry.data, item);
        } else {
          groups[key] = { data: item, exprIndex: pairIndex };
        }
      }
    }
    const result = madeObject();
    let count = 0;
    for (const key of Object.keys(groups)) {
      const entry = groups[key]!;
      const value = pairs[entry.exprIndex]!.value(entry.data, frame);
      if (value !== undefined) {
        result[key] = value;
        count++;
      }
    }
    current.budget.output(count);
    return result;
  };
}

function compileCondition(node: Node, scope: StaticScope): Code {
  const condition = compile(node.condition!, scope);
  const then = compile(node.then!, scope);
  const otherwise = node.else ? compile(node.else, scope) : undefined;
  return (input, frame) => {
    if (boolean(condition(input, frame))) return then(input, frame);
    return otherwise ? otherwise(input, frame) : undefined;
  };
}

function compileBlock(node: Node, scope: StaticScope): Code {
  const inner = scopeFor(node.expressions!, new Set(), scope, false);
  const codes = node.expressions!.map((e) => compile(e, inner.frame ? inner : scope));
  if (!inner.frame) {
    return (input, frame) => {
      let result: unknown;
      for (const c of codes) result = c(input, frame);
      return result;
    };
  }
  const size = inner.slots.size;
  return (input, frame) => {
    const f = new Frame(new Array(size).fill(UNSET), frame);
    let result: unknown;
    for (const c of codes) result = c(input, f);
    return result;
  };
}

function compileBind(node: Node, scope: StaticScope): Code {
  const name = String((node.lhs as Node).value);
  const slot = scope.slots.get(name);
  if (slot === undefined) throw new Unsupported(`binding $${name} here`);
  const rhs = compile(node.rhs!, scope);
  return (input, frame) => {
    const v = rhs(input, frame);
    frame.slots[slot] = v;
    return v;
  };
}

function compileRegex(node: Node): Code {
  const re = node.value as RegExp;
  const position = node.position;
  return () => {
    const regex = new RegExp(re.source, re.flags);
    const matcher = (str: string, fromIndex?: number): unknown => {
      regex.lastIndex = fromIndex || 0;
      const match = regex.exec(str);
      if (match === null) return undefined;
      const result = {
        match: match[0],
        start: match.index,
        end: match.index + match[0].length,
        groups: match.slice(1) as string[],
        next: (): unknown => {
          if (regex.lastIndex >= str.length) return undefined;
          const next = matcher(str, regex.lastIndex) as { match: string } | undefined;
          if (next && next.match === '') throw new JsonataError('D1004', { position, value: re.source });
          return next;
        },
      };
      return result;
    };
    return matcher;
  };
}

// ---------------------------------------------------------------- functions

function compileCall(node: Node, scope: StaticScope, applyTo?: Code, tailHops?: number): Code {
  const procedure = node.procedure!;
  const procName = procedure.type === 'path' ? String(procedure.steps![0]!.value) : String(procedure.value);
  if (procedure.type === 'variable') {
    const max = MAX_ARGUMENTS.get(procName);
    if (max !== undefined && candidates(procName, scope).length === 0 && node.arguments!.length > max) {
      throw new Unsupported(`$${procName} with a picture or timezone`);
    }
  }
  const proc =
    procedure.type === 'variable' && MAX_ARGUMENTS.has(procName)
      ? counted(variableReader(procName, scope, true))
      : compile(procedure, scope);
  const forgotDollar = procedure.type === 'path' ? variableReader(procName, scope) : undefined;
  const args = node.arguments!.map((a) => compile(a, scope));
  const position = node.position;
  return (input, frame) => {
    const values: unknown[] = [];
    if (applyTo) values.push(applyTo(input, frame));
    const fn = proc(input, frame);
    if (fn === undefined && forgotDollar && forgotDollar(input, frame)) {
      throw new JsonataError('T1005', { position, token: procName });
    }
    for (const a of args) values.push(a(input, frame));
    try {
      return callFunction(fn, values, tailHops === undefined ? input : frameAt(frame, tailHops).callerInput);
    } catch (e) {
      if (e instanceof JsonataError) throw e.at(position, procName);
      throw e;
    }
  };
}

function compileLambda(node: Node, scope: StaticScope): Code {
  // The library turns a call in tail position into a thunk lambda that its trampoline runs at
  // once: here it is just the call (no tail-call elimination: such calls count towards maxDepth).
  if (node.thunk) {
    let hops = 0;
    let s: StaticScope | null = scope;
    while (s && !s.lambda) {
      if (s.frame) hops++;
      s = s.parent;
    }
    return compileCall(node.body!, scope, undefined, hops);
  }
  if (node.signature !== undefined) throw new Unsupported('lambda signatures');
  const params = (node.arguments ?? []).map((a) => String(a.value));
  if (new Set(params).size !== params.length) throw new Unsupported('repeated lambda parameters');
  const inner = scopeFor([node.body!], new Set(params), scope, true);
  inner.lambda = true;
  const body = compile(node.body!, inner);
  const size = inner.slots.size;
  const arity = params.length;
  return (input, frame) => {
    const ctx = current;
    const invoke = (args: ArrayLike<unknown>, callerInput?: unknown) => {
      const saved = enter(ctx);
      const budget = ctx.budget;
      budget.enter();
      try {
        const slots = new Array(size);
        for (let i = 0; i < size; i++) slots[i] = i < arity ? args[i] : UNSET;
        return body(input, new Frame(slots, frame, callerInput));
      } finally {
        budget.exit();
        leave(saved);
      }
    };
    const fn = withArity(arity, invoke) as ((...args: unknown[]) => unknown) & { [RAW]?: RawCall };
    fn[RAW] = (callerInput, args) => invoke(args, callerInput);
    return fn;
  };
}

/**
 * A JS function of the given arity (its `.length`, which $map and $reduce read), for callers
 * outside compiled code: results come out as plain values. Compiled code calls RAW instead.
 */
function withArity(
  arity: number,
  invoke: (args: ArrayLike<unknown>) => unknown,
): (...args: unknown[]) => unknown {
  switch (arity) {
    case 0:
      return () => exportValue(invoke([]));
    case 1:
      return (a) => exportValue(invoke([a]));
    case 2:
      return (a, b) => exportValue(invoke([a, b]));
    case 3:
      return (a, b, c) => exportValue(invoke([a, b, c]));
    case 4:
      return (a, b, c, d) => exportValue(invoke([a, b, c, d]));
    default: {
      const f = (...args: unknown[]) => exportValue(invoke(args));
      Object.defineProperty(f, 'length', { value: arity });
      return f;
    }
  }
}

function compileApply(node: Node, scope: StaticScope): Code {
  const lhs = compile(node.lhs as Node, scope);
  const rhsNode = node.rhs!;
  if (rhsNode.type === 'function') return compileCall(rhsNode, scope, lhs);
  const rhs = compile(rhsNode, scope);
  const position = node.position;
  return (input, frame) => {
    const l = lhs(input, frame);
    const func = rhs(input, frame);
    if (!isFunction(func)) throw new JsonataError('T2006', { position, value: func });
    if (isFunction(l)) {
      return (x: unknown) => callFunction(func, [callFunction(l, [x], null)], null);
    }
    return callFunction(func, [l], null);
  };
}
