// Explain, as the server exposes it (`snf-occi explain`, POST /_admin/explain): the request is
// parsed, dispatched and routed exactly as when it is served, then handed to the engine's explain,
// which plans it without sending anything.
import {
  type Explanation,
  explainOperation,
  explainPassthrough,
  explainQueryInterface,
} from '../engine/explain.js';
import type { RuleSet } from '../mapping/load-rules.js';
import { OcciError } from '../occi/errors.js';
import type { Mixin } from '../occi/model.js';
import { typeId } from '../occi/model.js';
import { parseRequest } from '../rendering/parse-request.js';
import type { ParsedRequest } from '../rendering/parsed.js';
import { dispatch } from './dispatch.js';
import { route } from './route-request.js';

export { type Explanation, formatExplanation } from '../engine/explain.js';

export interface ExplainInput {
  method: string;
  path: string;
  headers: Record<string, string[]>;
  body: string;
}

/** Stand-in mixins for template terms a request names (templates come from the backend, not asked here). */
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
      applies: [...t.applies],
      attributes: [],
      actions: [],
    });
  }
  return stubs;
}

export async function explain(ruleSet: RuleSet, input: ExplainInput): Promise<Explanation> {
  const method = input.method.toUpperCase();
  const request = `${method} ${input.path}`;
  try {
    const url = new URL(input.path, 'http://occi.invalid');
    const target = dispatch(ruleSet, url.pathname);
    if (target.type === 'passthrough') return explainPassthrough(target.route, url.pathname, request);
    if (target.type === 'query') return await explainQueryInterface(ruleSet, method, request);
    const parsed = parseRequest({
      headers: input.headers,
      contentType: input.headers['content-type']?.[0],
      body: input.body,
    });
    const view = ruleSet.registry.extend(templateStubs(parsed, ruleSet));
    const op = route(
      { method: method === 'HEAD' ? 'GET' : method, path: url.pathname, query: url.searchParams, parsed },
      view,
    );
    return await explainOperation(ruleSet, view, op, request);
  } catch (e) {
    const error =
      e instanceof OcciError
        ? { status: e.status, message: e.message }
        : { status: 500, message: (e as Error).message };
    return { request, servedBy: 'rules', rules: [], calls: [], notes: [], error };
  }
}
