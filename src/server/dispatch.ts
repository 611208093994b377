// Which part of the server answers a request path: a pass-through route the rules declare, the
// query interface, or an OCCI operation through the rules. One decision, used by serving and by
// explain alike, so that explain covers every path the server serves.
import type { RuleSet } from '../mapping/load-rules.js';
import type { PassthroughRoute } from '../mapping/plan.js';

export const QUERY_PATHS = new Set(['/-/', '/.well-known/org/ogf/occi/-/']);

export type Dispatch =
  | { type: 'passthrough'; route: PassthroughRoute }
  | { type: 'query' }
  | { type: 'operation' };

export function dispatch(ruleSet: RuleSet, path: string): Dispatch {
  const route = ruleSet.mapping.passthrough.find((p) => path.startsWith(p.prefix));
  if (route) return { type: 'passthrough', route };
  if (QUERY_PATHS.has(path)) return { type: 'query' };
  return { type: 'operation' };
}
