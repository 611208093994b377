// Runs a compiled rule: binds variables, makes each step's backend call (conditionally, per item,
// or until a state is reached), keeps each response under the step's name for later expressions,
// compensates completed steps in reverse order when a later one fails, and evaluates the result.
// The transport is a parameter: the server sends, `explain` records without sending.
import type { BackendResponse } from '../backend/backend-client.js';
import type { CompiledCall, CompiledRule, CompiledStep, MappingRules } from '../mapping/compile-rules.js';
import type { Position } from '../mapping/build-categories.js';
import { DEFAULT_EXPRESSION_LIMITS, type Expression, type ExpressionLimits } from '../mapping/expressions.js';
import { MissingVariable } from '../mapping/path-template.js';
import { OcciError } from '../occi/errors.js';
import { backendFault, ruleError, where } from './fault-translation.js';

/** A backend call as the engine builds it, before the transport adds credentials. */
export interface PlannedCall {
  service: string;
  method: string;
  /** Path below the service base, filled in. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
  origin: Position;
  /** The step this call belongs to (or `<step> (compensation)`). */
  step: string;
  /** In explain mode: the conditions that shape the call (when, forEach, waitFor). */
  conditions?: { when?: string; forEach?: string; until?: string };
}

export type Transport = (call: PlannedCall) => Promise<BackendResponse>;

export interface RunEnv {
  mapping: MappingRules;
  transport: Transport;
  /** Extra JSONata functions ($location, $idOf...). */
  helpers: Record<string, unknown>;
  limits?: ExpressionLimits;
  /** Called when a compensation itself fails (the original failure is still reported). */
  onCompensationFailure?(step: string, error: unknown): void;
  /** Called when a compensation call succeeded. */
  onCompensated?(step: string): void;
  /** In explain mode: no waiting, and expressions that fail (for want of responses) are recorded. */
  dryRun?: { notes: string[] };
  sleep?(ms: number): Promise<void>;
}

export interface RunState {
  /** The expression input: `request`, each step's body by name, `item`. */
  doc: Record<string, unknown>;
  /** Variables: $id, bound names. */
  vars: Record<string, unknown>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function evaluate(
  expr: Expression,
  state: RunState,
  env: RunEnv,
  extra: Record<string, unknown> = {},
): Promise<unknown> {
  const bindings = { ...env.helpers, tables: env.mapping.tables, ...state.vars, ...extra };
  return expr.evaluate(state.doc, bindings, env.limits ?? DEFAULT_EXPRESSION_LIMITS);
}

function stringMap(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** Evaluates an expression; in dry-run mode a failure is noted and yields undefined instead. */
async function tryEvaluate(expr: Expression, state: RunState, env: RunEnv, what: string): Promise<unknown> {
  try {
    return await evaluate(expr, state, env);
  } catch (e) {
    // $fail is the rule's own answer: explain shows it as the outcome, like the server would.
    if (!env.dryRun || e instanceof OcciError) throw e;
    env.dryRun.notes.push(`${what}: not known before sending (${(e as Error).message})`);
    return undefined;
  }
}

async function buildCall(
  call: CompiledCall,
  step: string,
  state: RunState,
  env: RunEnv,
  local: Record<string, unknown>,
): Promise<PlannedCall> {
  const scope: RunState = { doc: state.doc, vars: { ...state.vars, ...local } };
  let path: string;
  try {
    path = call.path.fill(scope.vars);
  } catch (e) {
    if (!(e instanceof MissingVariable) || !env.dryRun) throw e;
    env.dryRun.notes.push(`${step}: ${e.message} until earlier calls answer`);
    path = call.path.source;
  }
  const planned: PlannedCall = {
    service: call.service,
    method: call.method,
    path,
    query: stringMap(await evaluateMap(call.query, scope, env, `${step} query`)),
    headers: stringMap(await evaluateMap(call.headers, scope, env, `${step} headers`)),
    origin: call.origin,
    step,
  };
  if (call.body) planned.body = await tryEvaluate(call.body, scope, env, `${step} body`);
  return planned;
}

/** Evaluates each expression of a map (in explain mode, one that cannot be known yet is noted). */
async function evaluateMap(
  map: Map<string, Expression> | undefined,
  state: RunState,
  env: RunEnv,
  what: string,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, expr] of map ?? []) out[name] = await tryEvaluate(expr, state, env, `${what} ${name}`);
  return out;
}

async function send(
  call: PlannedCall,
  compiled: CompiledCall,
  env: RunEnv,
  faults: CompiledStep['faults'],
): Promise<unknown> {
  const res = await env.transport(call);
  const ok = compiled.expect ? compiled.expect.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!ok) {
    throw await backendFault(
      res.status,
      res.body,
      [faults, env.mapping.faults],
      `${call.method} ${compiled.path.source} (step '${call.step}', ${where(call.origin)})`,
    );
  }
  return res.body ?? null;
}

/** Runs one step; false when its `when` did not hold (its name then stays absent: `$exists(step)` is false). */
/** A completed call that can be undone: the compensation and the scope it runs in. */
interface Undo {
  step: CompiledStep;
  scope: RunState;
}

async function runStep(step: CompiledStep, state: RunState, env: RunEnv, undo: Undo[]): Promise<boolean> {
  if (step.when && !(await tryEvaluate(step.when, state, env, `${step.name} when`)) && !env.dryRun) {
    delete state.doc[step.name];
    return false;
  }
  const items = step.forEach
    ? await tryEvaluate(step.forEach, state, env, `${step.name} forEach`)
    : undefined;
  // JSONata yields a lone value where a list has one item: any non-list is one item.
  const list = step.forEach
    ? Array.isArray(items)
      ? items
      : items === undefined
        ? env.dryRun
          ? [undefined]
          : []
        : [items]
    : [undefined];
  const results: unknown[] = [];
  let lastParams: Record<string, unknown> = {};
  for (const item of list) {
    if (step.forEach) state.doc.item = item;
    const params = await evaluateMap(step.params, state, env, `${step.name} params`);
    const call = await buildCall(step, step.name, state, env, params);
    if (env.dryRun && (step.when || step.forEach || step.waitFor)) {
      call.conditions = {
        ...(step.when ? { when: step.when.source } : {}),
        ...(step.forEach ? { forEach: step.forEach.source } : {}),
        ...(step.waitFor ? { until: step.waitFor.until.source } : {}),
      };
    }
    const body = await sendWithWait(step, call, state, env);
    results.push(body);
    // Per item, at once: if a later item fails, the ones before it are undone too.
    if (step.forEach && step.compensate) {
      // The item's own response stands under the step's name, and its binds are evaluated on it.
      const scope: RunState = {
        doc: { ...state.doc, [step.name]: body },
        vars: { ...state.vars, ...params },
      };
      for (const [name, expr] of step.bind ?? []) {
        try {
          scope.vars[name] = await evaluate(expr, scope, env);
        } catch {
          // A bind that needs all items: the compensation then lacks it and reports that.
        }
      }
      undo.push({ step, scope });
    }
    lastParams = params;
  }
  delete state.doc.item;
  state.doc[step.name] = step.forEach ? results : results[0];
  for (const [name, expr] of step.bind ?? [])
    state.vars[name] = await tryEvaluate(expr, state, env, `${step.name} bind ${name}`);
  // A single call is undone with everything it bound in scope.
  if (!step.forEach && step.compensate) {
    undo.push({ step, scope: { doc: { ...state.doc }, vars: { ...state.vars, ...lastParams } } });
  }
  return true;
}

async function sendWithWait(
  step: CompiledStep,
  call: PlannedCall,
  state: RunState,
  env: RunEnv,
): Promise<unknown> {
  if (!step.waitFor || env.dryRun) return send(call, step, env, step.faults);
  const deadline = Date.now() + step.waitFor.timeoutMs;
  const sleep = env.sleep ?? defaultSleep;
  for (;;) {
    const body = await send(call, step, env, step.faults);
    const probe: RunState = { doc: { ...state.doc, [step.name]: body }, vars: state.vars };
    if (await evaluate(step.waitFor.until, probe, env)) return body;
    if (Date.now() + step.waitFor.intervalMs > deadline) {
      throw new OcciError(
        504,
        `step '${step.name}' (${where(step.origin)}): the backend did not reach the awaited state within ${step.waitFor.timeoutMs} ms`,
      );
    }
    await sleep(step.waitFor.intervalMs);
  }
}

/** Runs steps in order; on failure compensates the completed ones (newest first) and rethrows. */
export async function runSteps(
  steps: readonly CompiledStep[],
  state: RunState,
  env: RunEnv,
  origin: Position,
): Promise<void> {
  const undo: Undo[] = [];
  for (const step of steps) {
    try {
      await runStep(step, state, env, undo);
    } catch (e) {
      const error = ruleError(e, step.origin ?? origin, `step '${step.name}'`);
      for (const { step: s, scope } of undo.reverse()) {
        try {
          const call = await buildCall(s.compensate!, `${s.name} (compensation)`, scope, env, {});
          await send(call, s.compensate!, env, undefined);
          env.onCompensated?.(s.name);
        } catch (ce) {
          env.onCompensationFailure?.(s.name, ce);
        }
      }
      throw error;
    }
  }
}

/** Runs a rule for a request; returns the value of its `result` (undefined without one). */
export async function runRule(
  rule: CompiledRule,
  request: unknown,
  vars: Record<string, unknown>,
  env: RunEnv,
): Promise<unknown> {
  if (rule.unsupported) throw new OcciError(501, rule.unsupported);
  const state: RunState = { doc: { request }, vars: { ...vars } };
  try {
    for (const [name, expr] of rule.bind ?? [])
      state.vars[name] = await tryEvaluate(expr, state, env, `bind ${name}`);
  } catch (e) {
    throw ruleError(e, rule.origin, 'bind');
  }
  await runSteps(rule.steps, state, env, rule.origin);
  if (!rule.result) return undefined;
  try {
    return await evaluate(rule.result, state, env);
  } catch (e) {
    if (env.dryRun) return undefined;
    throw ruleError(e, rule.origin, 'result');
  }
}

/** Picks the first rule whose `when` holds for the request. */
export async function selectRule(
  candidates: readonly CompiledRule[] | undefined,
  request: unknown,
  vars: Record<string, unknown>,
  env: RunEnv,
) {
  for (const rule of candidates ?? []) {
    if (!rule.when) return rule;
    try {
      if (await evaluate(rule.when, { doc: { request }, vars }, env)) return rule;
    } catch (e) {
      throw ruleError(e, rule.origin, 'when');
    }
  }
  return undefined;
}
