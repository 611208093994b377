// Explain: what the server would do with an OCCI request, without sending anything. Runs the
// request through the same parsing, routing and rule selection as the server, then dry-runs the
// rule: every backend call it would make is recorded (with the values bound so far) instead of
// sent. Values that depend on backend answers are shown as such.
import type { BackendResponse } from '../backend/backend-client.js';
import { locate, MappingService } from '../engine/mapping-service.js';
import type { Operation } from '../engine/operation.js';
import { requestDocument } from '../engine/request-document.js';
import { type PlannedCall, runRule, selectRule } from '../engine/run-rule.js';
import { describeOperation } from '../engine/unmapped-service.js';
import type { RuleSet } from '../mapping/load-rules.js';
import type { OperationName } from '../mapping/compile-rules.js';
import { OcciError } from '../occi/errors.js';
import type { Mixin } from '../occi/model.js';
import { typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import { parseRequest } from '../rendering/parse-request.js';
import type { ParsedRequest } from '../rendering/parsed.js';
import { route } from './route-request.js';

export interface ExplainInput {
  method: string;
  path: string;
  headers: Record<string, string[]>;
  body: string;
}

export interface Explanation {
  request: string;
  operation?: string;
  rule?: { at: string; category: string; operation: string; action?: string };
  bound?: Record<string, unknown>;
  calls: {
    service: string;
    method: string;
    path: string;
    query?: Record<string, string>;
    body?: unknown;
    step: string;
    at: string;
    conditions?: { when?: string; forEach?: string; until?: string };
  }[];
  notes: string[];
  error?: { status: number; message: string };
}

/** Stand-in mixins for template terms a request names (templates come from the backend, not sent to). */
function templateStubs(parsed: ParsedRequest, ruleSet: RuleSet): Mixin[] {
  const stubs: Mixin[] = [];
  for (const c of parsed.categories) {
    const t = ruleSet.mapping.templates.find((x) => x.scheme === c.scheme);
    if (!t || ruleSet.registry.get(typeId(c))) continue;
    stubs.push({
      class: 'mixin',
      term: c.term,
      scheme: c.scheme,
      location: `${t.location}${c.term}/`,
      depends: [t.depends],
      applies: t.applies,
      attributes: [],
      actions: [],
    });
  }
  return stubs;
}

function ruleOperation(
  op: Operation,
): { operation: OperationName; category: string; action?: string } | undefined {
  switch (op.op) {
    case 'get':
    case 'delete':
    case 'update':
    case 'replace':
      return { operation: op.op, category: typeId(op.entity.kind) };
    case 'create':
      return { operation: 'create', category: typeId(op.input.kind) };
    case 'action':
      return { operation: 'action', category: typeId(op.entity.kind), action: typeId(op.input.action) };
    case 'list':
      return op.collection.type === 'kind'
        ? { operation: 'list', category: typeId(op.collection.kind) }
        : undefined;
    case 'associate':
    case 'dissociate':
    case 'set-members':
      return { operation: op.op === 'set-members' ? 'associate' : op.op, category: typeId(op.mixin) };
    default:
      return undefined;
  }
}

export async function explain(ruleSet: RuleSet, input: ExplainInput): Promise<Explanation> {
  const out: Explanation = { request: `${input.method} ${input.path}`, calls: [], notes: [] };
  try {
    const url = new URL(input.path, 'http://occi.invalid');
    const parsed = parseRequest({
      headers: input.headers,
      contentType: input.headers['content-type']?.[0],
      body: input.body,
    });
    const view: CategoryRegistry = ruleSet.registry.extend(templateStubs(parsed, ruleSet));
    const op = route(
      { method: input.method.toUpperCase(), path: url.pathname, query: url.searchParams, parsed },
      view,
    );
    out.operation = describeOperation(op);
    const target = ruleOperation(op);
    if (!target) {
      out.notes.push(
        'composed from per-kind rules (list, then one call per member); explain a single-entity request to see those',
      );
      return out;
    }
    const service = new MappingService(() => ruleSet);
    const recorder = async (call: PlannedCall): Promise<BackendResponse> => {
      out.calls.push({
        service: call.service,
        method: call.method,
        path: `{${call.service}}${call.path}`,
        ...(Object.keys(call.query).length ? { query: call.query } : {}),
        ...(call.body === undefined ? {} : { body: call.body }),
        step: call.step,
        at: `${call.origin.file}:${call.origin.line}:${call.origin.col}`,
        ...(call.conditions ? { conditions: call.conditions } : {}),
      });
      return { status: 0, headers: {}, body: undefined };
    };
    const env = {
      mapping: ruleSet.mapping,
      transport: recorder,
      helpers: service.helpers(view),
      dryRun: { notes: out.notes },
    };
    const request = requestDocument(op, view, (l) => locate(view, l));
    const vars = { id: (request as { id?: unknown }).id };
    if (op.op === 'set-members') {
      out.notes.push(
        'a full update of a mixin collection lists its members, dissociates those not given, then associates the given ones; shown: the associate rule',
      );
    }
    const rule = await selectRule(
      service.rulesFor(ruleSet.mapping, view, target.category, target.operation, target.action),
      request,
      vars,
      env,
    );
    if (!rule) {
      out.error = { status: 501, message: `no backend rule maps the ${describeOperation(op)}` };
      return out;
    }
    out.rule = {
      at: `${rule.origin.file}:${rule.origin.line}:${rule.origin.col}`,
      category: rule.category,
      operation: rule.operation,
      ...(rule.action ? { action: rule.action } : {}),
    };
    const bound: Record<string, unknown> = { ...vars };
    for (const [name, expr] of rule.bind ?? []) {
      try {
        bound[name] = await expr.evaluate(
          { request },
          { ...env.helpers, tables: ruleSet.mapping.tables, ...bound },
        );
      } catch (e) {
        out.notes.push(`bind ${name}: ${(e as Error).message}`);
      }
    }
    out.bound = bound;
    await service.close();
    // Each recorded call answers "status 0, no body", which the dry run takes as the expected answer.
    await runRule({ ...rule, steps: rule.steps.map((s) => ({ ...s, expect: [0] })) }, request, vars, env);
  } catch (e) {
    if (e instanceof OcciError) out.error = { status: e.status, message: e.message };
    else out.error = { status: 500, message: (e as Error).message };
  }
  return out;
}

export function formatExplanation(x: Explanation): string {
  const lines = [`request:   ${x.request}`];
  if (x.operation) lines.push(`operation: ${x.operation}`);
  if (x.rule)
    lines.push(
      `rule:      ${x.rule.at} (${x.rule.operation}${x.rule.action ? ` ${x.rule.action}` : ''} on ${x.rule.category})`,
    );
  if (x.bound) {
    lines.push('bound:');
    for (const [k, v] of Object.entries(x.bound)) lines.push(`  ${k} = ${JSON.stringify(v) ?? 'undefined'}`);
  }
  if (x.calls.length) {
    lines.push('backend calls (not sent):');
    x.calls.forEach((c, i) => {
      const query = c.query ? `?${new URLSearchParams(c.query).toString()}` : '';
      lines.push(`  ${i + 1}. ${c.method} ${c.path}${query}    [step ${c.step}, ${c.at}]`);
      if (c.conditions?.when) lines.push(`       only when: ${c.conditions.when.replace(/\s+/g, ' ')}`);
      if (c.conditions?.forEach)
        lines.push(`       once per item of: ${c.conditions.forEach.replace(/\s+/g, ' ')}`);
      if (c.conditions?.until)
        lines.push(`       repeated until: ${c.conditions.until.replace(/\s+/g, ' ')}`);
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
