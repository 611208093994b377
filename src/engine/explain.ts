// Explain: what serving a request would do, without sending anything. The operation goes through
// the same runner, rule selection and plans as when it is served; only the backend differs: it
// records each call and answers nothing. What depends on an answer (a condition, a body, a path,
// the items of a forEach) is therefore shown as depending on it, never guessed, and explain
// cannot disagree with serving about which calls a request makes.
import type { RuleSet } from '../mapping/load-rules.js';
import type { PassthroughRoute, RulePlan } from '../mapping/plan.js';
import { OcciError } from '../occi/errors.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { Operation } from './operation.js';
import { OperationRunner } from './operations.js';
import { requestScope } from './request-scope.js';
import type { Backend, PlannedCall, RunContext } from './run-plan.js';
import { listTemplates } from './templates.js';
import { describeOperation } from './unmapped-service.js';

export interface ExplainedCall {
  service: string;
  method: string;
  /** `{service}/path`, with placeholders left where the value comes from an earlier answer. */
  path: string;
  body?: unknown;
  step: string;
  at: string;
  pending?: PlannedCall['pending'];
}

export interface Explanation {
  request: string;
  /** What serves the request: an operation through the rules, the query interface, or a pass-through route. */
  servedBy: 'rules' | 'query interface' | 'pass-through';
  operation?: string;
  rules: { at: string; category: string; operation: string; action?: string }[];
  calls: ExplainedCall[];
  notes: string[];
  error?: { status: number; message: string };
}

function recorder(out: Explanation): Backend {
  return {
    async send(call) {
      out.calls.push({
        service: call.service,
        method: call.method,
        path: `{${call.service}}${decodePlaceholders(call.path)}`,
        ...(call.body === undefined ? {} : { body: call.body }),
        step: call.step,
        at: `${call.origin.file}:${call.origin.line}:${call.origin.col}`,
        // The same object the runner completes after the call (e.g. `until`).
        get pending() {
          return call.pending;
        },
      });
      return undefined;
    },
    sleep: async () => {},
  };
}

/** Pending ids are percent-encoded in paths like any id; show them as written. */
function decodePlaceholders(path: string): string {
  return path.replace(/%7B([A-Za-z0-9_.]+)%7D/g, '{$1}');
}

async function context(ruleSet: RuleSet, registry: CategoryRegistry, out: Explanation) {
  const { scope, budget } = await requestScope(ruleSet.mapping, registry, '{request id}', true);
  const ctx: RunContext = { mapping: ruleSet.mapping, backend: recorder(out), budget };
  return { scope, ctx };
}

function fail(out: Explanation, e: unknown): Explanation {
  out.error =
    e instanceof OcciError
      ? { status: e.status, message: e.message }
      : { status: 500, message: (e as Error).message };
  return out;
}

function describeRule(rule: RulePlan) {
  return {
    at: `${rule.origin.file}:${rule.origin.line}:${rule.origin.col}`,
    category: rule.category,
    operation: rule.operation,
    ...(rule.action ? { action: rule.action } : {}),
  };
}

/** Explains an operation, as `registry` (the model the request was routed with) sees it. */
export async function explainOperation(
  ruleSet: RuleSet,
  registry: CategoryRegistry,
  op: Operation,
  request: string,
): Promise<Explanation> {
  const out: Explanation = {
    request,
    servedBy: 'rules',
    operation: describeOperation(op),
    rules: [],
    calls: [],
    notes: [],
  };
  try {
    const { scope, ctx } = await context(ruleSet, registry, out);
    const runner = new OperationRunner(ruleSet, registry, scope, ctx, {
      notes: out.notes,
      rule: (r) => out.rules.push(describeRule(r)),
    });
    await runner.execute(op);
  } catch (e) {
    return fail(out, e);
  }
  return out;
}

/** Explains a query interface request: served from the model, with the caller's template listings. */
export async function explainQueryInterface(
  ruleSet: RuleSet,
  method: string,
  request: string,
): Promise<Explanation> {
  const out: Explanation = { request, servedBy: 'query interface', rules: [], calls: [], notes: [] };
  if (method === 'GET' || method === 'HEAD') {
    out.notes.push(
      "answered from the model: the rule set categories, the template mixins below, the caller's own mixins",
    );
    try {
      const { scope, ctx } = await context(ruleSet, ruleSet.registry, out);
      for (const t of ruleSet.mapping.templates) {
        out.notes.push(
          `template listing '${t.name}' (${t.scheme}): fetched on the user's first request, kept ${t.ttlSeconds} s`,
        );
        await listTemplates(t, scope, ctx);
      }
    } catch (e) {
      return fail(out, e);
    }
  } else {
    out.notes.push(
      method === 'DELETE'
        ? "removes the caller's mixins from the store, after dissociating their members (the mixin's dissociate rule)"
        : "adds the caller's mixins to the store; no backend call",
    );
  }
  return out;
}

export function explainPassthrough(route: PassthroughRoute, path: string, request: string): Explanation {
  return {
    request,
    servedBy: 'pass-through',
    rules: [],
    calls: [
      {
        service: route.service,
        method: request.split(' ')[0] ?? 'GET',
        path: `{${route.service}}/${path.slice(route.prefix.length)}`,
        step: 'pass-through',
        at: `${route.origin.file}:${route.origin.line}:${route.origin.col}`,
      },
    ],
    notes: ["forwarded untouched, with the caller's token; the answer is relayed as the backend gives it"],
  };
}

export function formatExplanation(x: Explanation): string {
  const lines = [`request:   ${x.request}`, `served by: ${x.servedBy}`];
  if (x.operation) lines.push(`operation: ${x.operation}`);
  for (const r of x.rules)
    lines.push(`rule:      ${r.at} (${r.operation}${r.action ? ` ${r.action}` : ''} on ${r.category})`);
  if (x.calls.length) {
    lines.push('backend calls (not sent):');
    x.calls.forEach((c, i) => {
      lines.push(`  ${i + 1}. ${c.method} ${c.path}    [step ${c.step}, ${c.at}]`);
      const p = c.pending;
      if (p?.when) lines.push(`       only if: ${p.when.replace(/\s+/g, ' ')}`);
      if (p?.forEach) lines.push(`       once per item of: ${p.forEach.replace(/\s+/g, ' ')}`);
      if (p?.until) lines.push(`       repeated until: ${p.until.replace(/\s+/g, ' ')}`);
      if (p?.uses?.length) lines.push(`       depends on (not known before sending): ${p.uses.join(', ')}`);
      if (c.body !== undefined)
        lines.push(
          ...JSON.stringify(c.body, null, 2)
            .split('\n')
            .map((l) => `       ${l}`),
        );
    });
  }
  for (const n of x.notes) lines.push(`note: ${n}`);
  if (x.error) lines.push(`error: ${x.error.status} ${x.error.message}`);
  return lines.join('\n');
}
