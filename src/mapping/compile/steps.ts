// Compile pass for steps (of rules and templates): each becomes a call step (a backend call) or a
// value step (a computed value), with its expressions compiled and the names it reads checked
// against those defined before it. Every step's value is `$<name>` in later expressions.
import type { Expression } from '../expressions.js';
import { parsePathTemplate } from '../path-template.js';
import type { CallPlan, CallStep, FaultPlan, StepPlan, ValueStep } from '../plan.js';
import type { DataPath, FileContext, Raw } from './file-context.js';

/** Names an expression may read: those defined so far, plus the rule set's own (helpers, functions). */
export class Names {
  private readonly defined: Set<string>;
  constructor(
    readonly global: ReadonlySet<string>,
    defined: Iterable<string> = [],
  ) {
    this.defined = new Set(defined);
  }
  has(name: string): boolean {
    return this.defined.has(name) || this.global.has(name);
  }
  with(...names: string[]): Names {
    return new Names(this.global, [...this.defined, ...names]);
  }
  add(name: string): void {
    this.defined.add(name);
  }
}

/** Reports `$names` the expression reads that nothing defines at this point of the rule. */
export function checkNames(ctx: FileContext, path: DataPath, e: Expression | undefined, names: Names): void {
  for (const name of e?.freeVariables ?? []) {
    if (!names.has(name))
      ctx.report(path, 'unbound-variable', `$${name} is not defined here: name it with an earlier step`);
  }
  for (const name of e?.calledFunctions ?? []) {
    if (!names.has(name) && !JSONATA_FUNCTIONS.has(name))
      ctx.report(path, 'unknown-function', `$${name}() is neither a JSONata function nor a shared function`);
  }
}

/** JSONata's own function library (https://docs.jsonata.org). */
const JSONATA_FUNCTIONS = new Set(
  (
    'string length substring substringBefore substringAfter uppercase lowercase trim pad contains split join ' +
    'match replace eval base64encode base64decode encodeUrlComponent encodeUrl decodeUrlComponent decodeUrl ' +
    'number abs floor ceil round power sqrt random formatNumber formatBase formatInteger parseInteger sum max ' +
    'min average boolean not exists count append sort reverse shuffle distinct zip keys lookup spread merge ' +
    'sift each error assert type map filter single reduce now millis fromMillis toMillis'
  ).split(' '),
);

export function compileFaults(ctx: FileContext, path: DataPath, raw: unknown): FaultPlan | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Raw;
  const out: FaultPlan = { status: (r.status as Record<string, number>) ?? {} };
  // A fault message reads the backend's error body: that is its input.
  const message = ctx.expression([...path, 'message'], r.message, 'document');
  if (message) out.message = message;
  return out;
}

export interface StepContext {
  ctx: FileContext;
  services: ReadonlySet<string>;
}

function compileCall(sc: StepContext, path: DataPath, raw: Raw, names: Names): CallPlan {
  const { ctx } = sc;
  const service = String(raw.service);
  if (!sc.services.has(service))
    ctx.report([...path, 'service'], 'unknown-service', `service '${service}' is not declared`);
  const template = parsePathTemplate(String(raw.path));
  for (const v of template.variables) {
    if (!names.has(v))
      ctx.report([...path, 'path'], 'unbound-variable', `path placeholder {${v}} names nothing defined here`);
  }
  const call: CallPlan = { service, method: String(raw.method), path: template, origin: ctx.at(path) };
  const headers = ctx.expressionMap([...path, 'headers'], raw.headers);
  for (const [name, e] of headers ?? []) checkNames(ctx, [...path, 'headers', name], e, names);
  if (headers) call.headers = headers;
  const body = ctx.expression([...path, 'body'], raw.body);
  checkNames(ctx, [...path, 'body'], body, names);
  if (body) call.body = body;
  if (Array.isArray(raw.expect)) call.expect = raw.expect as number[];
  return call;
}

function compileStep(sc: StepContext, path: DataPath, raw: Raw, names: Names): StepPlan {
  const { ctx } = sc;
  const name = String(raw.name);
  const expr = (key: string, scope: Names) => {
    const e = ctx.expression([...path, key], raw[key]);
    checkNames(ctx, [...path, key], e, scope);
    return e;
  };
  const when = expr('when', names);
  if (raw.value !== undefined) {
    const value = expr('value', names);
    const step: ValueStep = {
      type: 'value',
      name,
      value: value ?? PLACEHOLDER_EXPRESSION,
      origin: ctx.at(path),
    };
    if (when) step.when = when;
    if (raw.cleanup === true) step.cleanup = true;
    return step;
  }
  const forEach = expr('forEach', names);
  // Inside the call, `$item` is the current item; after it, in waitFor, the answer is `$<name>`.
  const inner = forEach ? names.with('item') : names;
  const step: CallStep = { type: 'call', name, ...compileCall(sc, path, raw, inner) };
  if (when) step.when = when;
  if (forEach) step.forEach = forEach;
  const waitFor = raw.waitFor as Raw | undefined;
  if (waitFor) {
    const until = ctx.expression([...path, 'waitFor', 'until'], waitFor.until);
    checkNames(ctx, [...path, 'waitFor', 'until'], until, inner.with(name));
    if (until) {
      step.waitFor = {
        until,
        intervalMs: (waitFor.intervalMs as number | undefined) ?? 500,
        timeoutMs: (waitFor.timeoutMs as number | undefined) ?? 30_000,
      };
    }
  }
  const faults = compileFaults(ctx, [...path, 'faults'], raw.faults);
  if (faults) step.faults = faults;
  if (raw.compensate)
    step.compensate = compileCall(sc, [...path, 'compensate'], raw.compensate as Raw, inner.with(name));
  const lost = raw.findLost as Raw | undefined;
  if (lost) {
    const call = compileCall(sc, [...path, 'findLost'], lost, inner);
    const answer = ctx.expression([...path, 'findLost', 'answer'], lost.answer);
    checkNames(ctx, [...path, 'findLost', 'answer'], answer, inner.with('found'));
    if (answer) step.findLost = { ...call, answer };
  }
  if (raw.cleanup === true) step.cleanup = true;
  return step;
}

/** Stands in for an expression that did not compile (its problem is reported; the set never serves). */
const PLACEHOLDER_EXPRESSION: Expression = {
  source: '',
  freeVariables: [],
  calledFunctions: [],
  compiled: true,
  evaluate: () => undefined,
};

/** Compiles a list of steps; `names` grows with each step's name. */
export function compileSteps(sc: StepContext, path: DataPath, raw: unknown, names: Names): StepPlan[] {
  if (!Array.isArray(raw)) return [];
  const seen = new Set<string>();
  return raw.map((r: Raw, i) => {
    const stepPath = [...path, i];
    const name = String(r.name);
    if (seen.has(name))
      sc.ctx.report([...stepPath, 'name'], 'duplicate-step', `step '${name}' is defined twice in this rule`);
    else if (names.global.has(name))
      sc.ctx.report(
        [...stepPath, 'name'],
        'reserved-name',
        `step name '${name}' is taken by a helper, a shared function or a name every rule has`,
      );
    seen.add(name);
    const step = compileStep(sc, stepPath, r, names);
    names.add(name);
    return step;
  });
}

/** Clean-up steps come last: once one is reached, the request's outcome no longer depends on them. */
export function checkCleanupLast(ctx: FileContext, path: DataPath, steps: readonly StepPlan[]): void {
  const first = steps.findIndex((s) => s.cleanup);
  if (first < 0) return;
  steps.forEach((s, i) => {
    if (i > first && !s.cleanup)
      ctx.report(
        [...path, i],
        'schema',
        `step '${s.name}' follows a clean-up step: mark it cleanup too, or move it before`,
      );
  });
}
