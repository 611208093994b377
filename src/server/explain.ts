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

function templateStub(t: RuleSet['mapping']['templates'][number], term: string): Mixin {
  return {
    class: 'mixin',
    term,
    scheme: t.scheme,
    location: `${t.location}${term}/`,
    depends: [t.depends],
    applies: [...t.applies],
    attributes: [],
    actions: [],
  };
}

/**
 * Stand-ins for the template mixins a request names, by category or by location (templates come
 * from the backend, which explain does not ask).
 */
function templateStubs(parsed: ParsedRequest, path: string, ruleSet: RuleSet): Mixin[] {
  const stubs: Mixin[] = [];
  for (const c of parsed.categories) {
    const t = ruleSet.mapping.templates.find((x) => x.scheme === c.scheme);
    if (t && !ruleSet.registry.get(typeId(c))) stubs.push(templateStub(t, c.term));
  }
  for (const t of ruleSet.mapping.templates) {
    const term = path.startsWith(t.location) ? path.slice(t.location.length).replace(/\/$/, '') : '';
    if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(term) && !stubs.some((m) => m.location === path))
      stubs.push(templateStub(t, term));
  }
  return stubs;
}

/** The scheme explain gives the stand-in for a caller's own mixin (it does not know the caller's). */
const USER_SCHEME = 'http://explain.invalid/your-mixin#';

/**
 * A stand-in for a user mixin at a collection path no provider category holds: user mixins belong
 * to their users, and explain has no caller, so it explains the path as one of the caller's.
 */
function userMixinStub(ruleSet: RuleSet, path: string, term?: string): Mixin | undefined {
  const base = ruleSet.mapping.userMixinBase;
  const name = term ?? /^\/([A-Za-z0-9][A-Za-z0-9._-]*)\/$/.exec(path)?.[1];
  if (!base || !name || ruleSet.registry.atLocation(path)) return undefined;
  return {
    class: 'mixin',
    term: name,
    scheme: USER_SCHEME,
    location: path,
    depends: [base],
    applies: [],
    attributes: [],
    actions: [],
  };
}

const userNote = (path: string) =>
  `explained as if the caller had a mixin of their own at ${path} (user mixins belong to their users; explain knows none)`;

/**
 * The query interface; removing one's own mixins (DELETE /-/) also dissociates their members, as
 * serving does: explained with a stand-in for each mixin named.
 */
async function explainQuery(
  ruleSet: RuleSet,
  method: string,
  request: string,
  parsed: ParsedRequest,
): Promise<Explanation> {
  const out = await explainQueryInterface(ruleSet, method, request);
  if (method !== 'DELETE') return out;
  for (const c of parsed.categories) {
    if (ruleSet.registry.get(typeId(c))) continue;
    const mixin = userMixinStub(ruleSet, c.location ?? `/${c.term}/`, c.term);
    if (!mixin) continue;
    const view = ruleSet.registry.extend([mixin]);
    const members = await explainOperation(
      ruleSet,
      view,
      { op: 'set-members', mixin, locations: [] },
      request,
    );
    out.rules.push(...members.rules);
    out.calls.push(...members.calls);
    out.notes.push(`for your mixin ${c.term}: ${userNote(mixin.location)}`, ...members.notes);
    if (members.error) out.error = members.error;
  }
  return out;
}

export async function explain(ruleSet: RuleSet, input: ExplainInput): Promise<Explanation> {
  const method = input.method.toUpperCase();
  const request = `${method} ${input.path}`;
  try {
    const url = new URL(input.path, 'http://occi.invalid');
    const target = dispatch(ruleSet, url.pathname);
    if (target.type === 'passthrough') return explainPassthrough(target.route, url.pathname, request);
    const parsed = parseRequest({
      headers: input.headers,
      contentType: input.headers['content-type']?.[0],
      body: input.body,
    });
    if (target.type === 'query') return await explainQuery(ruleSet, method, request, parsed);
    const user = userMixinStub(ruleSet, url.pathname);
    const view = ruleSet.registry.extend([
      ...templateStubs(parsed, url.pathname, ruleSet),
      ...(user ? [user] : []),
    ]);
    const op = route(
      { method: method === 'HEAD' ? 'GET' : method, path: url.pathname, query: url.searchParams, parsed },
      view,
    );
    const out = await explainOperation(ruleSet, view, op, request);
    if (user) out.notes.unshift(userNote(url.pathname));
    return out;
  } catch (e) {
    const error =
      e instanceof OcciError
        ? { status: e.status, message: e.message }
        : { status: 500, message: (e as Error).message };
    return { request, servedBy: 'rules', rules: [], calls: [], notes: [], error };
  }
}
