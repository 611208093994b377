// Runs a rule's plan: each step in order (a backend call, or a computed value), conditionally,
// per item, or until a state is reached; every step's value is `$<name>` for the steps after it;
// on failure the completed calls are compensated newest first; then the result is evaluated.
//
// Serving and explain run this same code. They differ only in the backend: serving's sends and
// answers; explain's records each call and answers nothing. A value that comes from an answer not
// known is tracked by name (`unknown`), so that whatever depends on it (a condition, a body, a
// path) is shown as depending on it rather than guessed; on the serving path nothing is unknown.
import { BackendFailure, type BackendResponse } from '../backend/backend-client.js';
import type { Position } from '../mapping/build-categories.js';
import { type Budget, type Expression, NotKnownYet, type Scope } from '../mapping/expressions.js';
import type { CallPlan, CallStep, FaultPlan, MappingPlans, RulePlan, StepPlan } from '../mapping/plan.js';
import { OcciError } from '../occi/errors.js';
import { backendFault, ruleError, where } from './fault-translation.js';

/** A backend call as the engine builds it, before the transport adds the base URL and credentials. */
export interface PlannedCall {
  service: string;
  method: string;
  /** Path below the service base, filled in (placeholders left as written where not known). */
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  origin: Position;
  /** The step this call belongs to (or `<step> (compensation)`). */
  step: string;
  /** Only in explain: what the call depends on that is not known before sending. */
  pending?: {
    /** The step's `when`, when its value depends on earlier answers. */
    when?: string;
    /** The step's `forEach`, when the items depend on earlier answers. */
    forEach?: string;
    /** The step's `waitFor.until`: the call repeats until it holds. */
    until?: string;
    /** Values not known before sending (earlier answers, the template lists) the call's path, headers or body use. */
    uses?: string[];
  };
}

/**
 * Where calls go. `send` resolves to the backend's answer, or to undefined when the answer is not
 * known (explain); it rejects on transport failures.
 */
export interface Backend {
  send(call: PlannedCall): Promise<BackendResponse | undefined>;
  /** Pause between the attempts of a `waitFor` step. */
  sleep(ms: number): Promise<void>;
  /**
   * Work that failed and must still be done (a compensation, a clean-up, finding what a lost call
   * made): retried later with backoff; if it keeps failing, reported as an orphan with `what`.
   * Without it (explain), nothing is retried.
   */
  later?(what: Leftover, task: () => Promise<void>): void;
  /** A compensation call succeeded (for metrics). */
  compensated?(step: string): void;
}

/** What is left in the backend if a retried task never succeeds: enough to remove it by hand. */
export interface Leftover {
  /** `compensation`, `clean-up` or `lost reply`. */
  kind: string;
  step: string;
  /** The call that is retried: method, service and path, e.g. `DELETE compute /items/101`. */
  call: string;
  origin: Position;
  error: string;
}

export interface RunContext {
  mapping: MappingPlans;
  backend: Backend;
  budget: Budget;
}

/** What an expression yields when it reads a value that is not known (explain only). */
export const UNKNOWN: unique symbol = Symbol('not known before sending');
export type Value = unknown;

/** One rule run: the scope holding its named values, and which of them are not known. */
export class Run {
  readonly unknown: Set<string>;
  readonly undo: { call: CallPlan; step: string; scope: Scope }[] = [];
  constructor(
    readonly scope: Scope,
    readonly ctx: RunContext,
  ) {
    this.unknown = new Set();
  }

  unknownIn(e: Expression | undefined): string[] {
    if (!e || this.unknown.size === 0) return [];
    return [...e.freeVariables, ...e.calledFunctions].filter((n) => this.unknown.has(n));
  }

  async value(e: Expression, scope: Scope = this.scope): Promise<Value> {
    if (this.unknownIn(e).length > 0) return UNKNOWN;
    try {
      const v = e.evaluate({}, scope, this.ctx.budget);
      return v instanceof Promise ? await v : v;
    } catch (err) {
      // Planning: the expression needed something only the backend knows (the template lists).
      if (err instanceof NotKnownYet) return UNKNOWN;
      throw err;
    }
  }
}

/** Evaluates an expression over a backend document (identity answers, fault bodies). */
export async function evaluateOn(
  e: Expression,
  input: unknown,
  scope: Scope,
  budget: Budget,
): Promise<Value> {
  const v = e.evaluate(input, scope, budget);
  return v instanceof Promise ? await v : v;
}

function stringMap(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === null || v === UNKNOWN) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

async function buildCall(run: Run, call: CallPlan, step: string, scope: Scope): Promise<PlannedCall> {
  const uses = new Set<string>();
  const path = call.path.fill(
    (name) => scope.lookup(name),
    (name) => {
      const u = run.unknown.has(name);
      if (u) uses.add(name);
      return u;
    },
  );
  const headers: Record<string, unknown> = {};
  for (const [name, e] of call.headers ?? []) {
    for (const u of run.unknownIn(e)) uses.add(u);
    headers[name] = await run.value(e, scope);
  }
  const planned: PlannedCall = {
    service: call.service,
    method: call.method,
    path,
    headers: stringMap(headers),
    origin: call.origin,
    step,
  };
  if (call.body) {
    for (const u of run.unknownIn(call.body)) uses.add(u);
    const body = await run.value(call.body, scope);
    if (body !== UNKNOWN) planned.body = body;
    else if (uses.size === 0) uses.add('the template lists');
  }
  // The item is explained by `forEach`.
  uses.delete('item');
  if (uses.size) planned.pending = { uses: [...uses] };
  return planned;
}

/** The status the backend answered, for the faults made from its answers. */
const backendStatus = new WeakMap<OcciError, number>();

/** Sends a call; an answer outside `expect` is a backend fault. Undefined: the answer is not known. */
async function send(
  run: Run,
  planned: PlannedCall,
  call: CallPlan,
  faults: FaultPlan | undefined,
): Promise<Value> {
  const res = await run.ctx.backend.send(planned);
  if (!res) return UNKNOWN;
  const ok = call.expect ? call.expect.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!ok) {
    const fault = await backendFault(
      res.status,
      res.body,
      [faults, run.ctx.mapping.faults],
      `${planned.method} ${call.path.source} (step '${planned.step}', ${where(call.origin)})`,
    );
    // Whether the call may have acted depends on what the backend said, not on the status the client gets.
    backendStatus.set(fault, res.status);
    throw fault;
  }
  return res.body ?? null;
}

/** Sends a waitFor step's call until its condition holds of the answer. */
async function sendUntil(run: Run, step: CallStep, planned: PlannedCall, scope: Scope): Promise<Value> {
  const wait = step.waitFor!;
  let waited = 0;
  for (;;) {
    const body = await send(run, planned, step, step.faults);
    if (body === UNKNOWN) {
      // Explain: the call is recorded once; say that it repeats.
      planned.pending = { ...planned.pending, until: wait.until.source };
      return UNKNOWN;
    }
    const probe = scope.child({ [step.name]: body });
    if (await run.value(wait.until, probe)) return body;
    if (waited + wait.intervalMs > wait.timeoutMs) {
      throw new OcciError(
        504,
        `step '${step.name}' (${where(step.origin)}): the backend did not reach the awaited state within ${wait.timeoutMs} ms`,
      );
    }
    await run.ctx.backend.sleep(wait.intervalMs);
    waited += wait.intervalMs;
  }
}

async function runCall(run: Run, step: CallStep, when: Value): Promise<Value> {
  const items = step.forEach ? await run.value(step.forEach) : undefined;
  // JSONata yields a lone value where a list has one item: any non-list is one item.
  const list: Value[] = !step.forEach
    ? [undefined]
    : items === UNKNOWN
      ? [UNKNOWN]
      : Array.isArray(items)
        ? items
        : items === undefined
          ? []
          : [items];
  const answers: Value[] = [];
  for (const item of list) {
    const scope = step.forEach ? run.scope.child({ item: item === UNKNOWN ? undefined : item }) : run.scope;
    if (item === UNKNOWN) run.unknown.add('item');
    const planned = await buildCall(run, step, step.name, scope);
    if (when === UNKNOWN || item === UNKNOWN) {
      planned.pending = {
        ...planned.pending,
        ...(when === UNKNOWN ? { when: step.when!.source } : {}),
        ...(item === UNKNOWN ? { forEach: step.forEach!.source } : {}),
      };
    }
    let answer: Value;
    try {
      answer = step.waitFor
        ? await sendUntil(run, step, planned, scope)
        : await send(run, planned, step, step.faults);
    } catch (e) {
      if (!step.findLost || !outcomeUnknown(e)) throw e;
      if (step.compensate) {
        await recoverLost(run, step, scope, e);
        throw e;
      }
      // Nothing to undo (a delete, a start): found done, the call counts as made, with that answer.
      const done = await findDone(run, step, scope);
      if (done === undefined) throw e;
      answer = done;
    }
    run.unknown.delete('item');
    answers.push(answer);
    // Each call is undone with its own answer under the step's name (and its item).
    if (step.compensate)
      run.undo.push({ call: step.compensate, step: step.name, scope: scope.child({ [step.name]: answer }) });
  }
  if (answers.includes(UNKNOWN)) return UNKNOWN;
  return step.forEach ? answers : answers[0];
}

async function runStep(run: Run, step: StepPlan): Promise<void> {
  const when = step.when ? await run.value(step.when) : true;
  if (when !== UNKNOWN && !when) {
    run.scope.set(step.name, undefined);
    return;
  }
  const value = step.type === 'value' ? await run.value(step.value) : await runCall(run, step, when);
  if (value === UNKNOWN || when === UNKNOWN) {
    run.unknown.add(step.name);
    run.scope.set(step.name, undefined);
  } else {
    run.scope.set(step.name, value);
  }
}

function describe(planned: PlannedCall): string {
  return `${planned.method} ${planned.service} ${planned.path}`;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Undoes one completed call; a failure is retried later (and reported as an orphan if it persists). */
async function undoCall(run: Run, call: CallPlan, step: string, scope: Scope): Promise<void> {
  const planned = await buildCall(run, call, `${step} (compensation)`, scope);
  try {
    await send(run, planned, call, undefined);
    run.ctx.backend.compensated?.(step);
  } catch (e) {
    run.ctx.backend.later?.(
      { kind: 'compensation', step, call: describe(planned), origin: call.origin, error: message(e) },
      async () => {
        await send(run, planned, call, undefined);
      },
    );
  }
}

async function compensate(run: Run): Promise<void> {
  for (const { call, step, scope } of run.undo.reverse()) await undoCall(run, call, step, scope);
}

/**
 * Whether a failed call may still have acted: no answer (timeout, reset after sending) or a server
 * error. A refused connection sent nothing; 503 (unavailable) and 501 say nothing was done.
 */
function outcomeUnknown(e: unknown): boolean {
  if (e instanceof OcciError) {
    const status = backendStatus.get(e) ?? e.status;
    return status >= 500 && status !== 501 && status !== 503;
  }
  return e instanceof Error && !/ECONNREFUSED/.test(e.message);
}

/**
 * A create step whose answer was lost: find what it made (its `findLost` call and `answer`), and
 * if it made something, register its compensation as if the answer had come. If the finding
 * itself fails, it is retried later, then compensated.
 */
async function recoverLost(run: Run, step: CallStep, scope: Scope, cause: unknown): Promise<void> {
  const find = step.findLost!;
  const resolve = async (): Promise<Scope | undefined> => {
    const planned = await buildCall(run, find, `${step.name} (finding a lost answer)`, scope);
    const found = await send(run, planned, find, undefined);
    const answer = await run.value(find.answer, scope.child({ found }));
    return answer === undefined || answer === null ? undefined : scope.child({ [step.name]: answer });
  };
  const undoLater = async () => {
    const made = await resolve();
    if (made)
      await send(
        run,
        await buildCall(run, step.compensate!, `${step.name} (compensation)`, made),
        step.compensate!,
        undefined,
      );
  };
  // A backend that did not answer in time may not answer the lookup either. When nothing made
  // before has to be undone after this (the order of undoing does not matter), the client is
  // answered now, after one timeout, and the lookup is done later.
  if (run.undo.length === 0 && timedOut(cause) && run.ctx.backend.later) {
    run.ctx.backend.later(
      {
        kind: 'lost reply',
        step: step.name,
        call: `${step.method} ${step.service} ${step.path.source} (no answer in time)`,
        origin: step.origin,
        error: message(cause),
      },
      undoLater,
    );
    return;
  }
  try {
    const made = await resolve();
    if (made) run.undo.push({ call: step.compensate!, step: step.name, scope: made });
  } catch (e) {
    run.ctx.backend.later?.(
      {
        kind: 'lost reply',
        step: step.name,
        call: `${step.method} ${step.service} ${step.path.source} (answer lost: ${message(cause)})`,
        origin: step.origin,
        error: message(e),
      },
      undoLater,
    );
  }
}

/** A call that got no answer in time (the backend may still act on it). */
function timedOut(e: unknown): boolean {
  return (
    (e instanceof BackendFailure && e.kind === 'timeout') || (e instanceof OcciError && e.status === 504)
  );
}

/** A call whose answer was lost, looked for as done (its `findLost`); undefined if not found so. */
async function findDone(run: Run, step: CallStep, scope: Scope): Promise<Value | undefined> {
  const find = step.findLost!;
  try {
    const planned = await buildCall(run, find, `${step.name} (finding a lost answer)`, scope);
    const found = await send(run, planned, find, undefined);
    const answer = await run.value(find.answer, scope.child({ found }));
    return answer === null ? undefined : answer;
  } catch {
    // Not known to be done: the call's own failure stands.
    return undefined;
  }
}

function stepOrigin(step: StepPlan, origin: Position): Position {
  return step.type === 'call' ? step.origin : (step.origin ?? origin);
}

function stepCall(step: StepPlan): string {
  return step.type === 'call' ? `${step.method} ${step.service} ${step.path.source}` : `value ${step.name}`;
}

/** Runs steps in order; on failure compensates the completed calls (newest first) and rethrows. */
export async function runSteps(
  steps: readonly StepPlan[],
  scope: Scope,
  ctx: RunContext,
  origin: Position,
): Promise<Run> {
  const run = new Run(scope, ctx);
  for (const [i, step] of steps.entries()) {
    try {
      await runStep(run, step);
    } catch (e) {
      if (step.cleanup) {
        // The main work is done: the client gets its outcome; the rest of the clean-up is retried.
        const rest = steps.slice(i);
        run.ctx.backend.later?.(
          {
            kind: 'clean-up',
            step: step.name,
            call: stepCall(step),
            origin: stepOrigin(step, origin),
            error: message(e),
          },
          async () => {
            for (const s of rest) await runStep(run, s);
          },
        );
        return run;
      }
      const error = ruleError(e, stepOrigin(step, origin), `step '${step.name}'`);
      await compensate(run);
      throw error;
    }
  }
  return run;
}

/**
 * Runs a rule in `scope` (the request's scope with `request` and `id`); resolves to the value of
 * its result (undefined without one; UNKNOWN when it depends on answers not known).
 */
export async function runRule(rule: RulePlan, scope: Scope, ctx: RunContext): Promise<Value> {
  if (rule.unsupported) throw new OcciError(501, rule.unsupported);
  const run = await runSteps(rule.steps, scope, ctx, rule.origin);
  if (!rule.result) return undefined;
  try {
    return await run.value(rule.result);
  } catch (e) {
    throw ruleError(e, rule.origin, 'result');
  }
}

/** Picks the first rule whose `when` holds for the request. */
export async function selectRule(
  candidates: readonly RulePlan[] | undefined,
  scope: Scope,
  ctx: RunContext,
): Promise<RulePlan | undefined> {
  const run = new Run(scope, ctx);
  for (const rule of candidates ?? []) {
    if (!rule.when) return rule;
    try {
      // Explain: a condition that depends on backend data picks the rule (and says so).
      if (await run.value(rule.when)) return rule;
    } catch (e) {
      throw ruleError(e, rule.origin, 'when');
    }
  }
  return undefined;
}
