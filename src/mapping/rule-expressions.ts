// Every compiled expression of a rule set, with the position of the rule, step or template it
// belongs to: found by walking the rule set's object graph, so it keeps working whatever shape
// the compiled rules take. Used by `check` (fallback warnings) and by the expression tests.
import type { Position } from './build-categories.js';
import type { Expression } from './expressions.js';

export interface FoundExpression {
  expression: Expression;
  /** The nearest enclosing `origin` (rule, step, template...), when there is one. */
  origin?: Position;
}

const isExpression = (v: object): v is Expression =>
  typeof (v as Expression).source === 'string' && typeof (v as Expression).evaluate === 'function';

const isPosition = (v: unknown): v is Position =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Position).file === 'string' &&
  typeof (v as Position).line === 'number';

export function ruleExpressions(root: unknown): FoundExpression[] {
  const found: FoundExpression[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, origin: Position | undefined): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (isExpression(v)) {
      found.push({ expression: v, origin });
      return;
    }
    if (v instanceof Map) {
      for (const [k, x] of v) {
        walk(k, origin);
        walk(x, origin);
      }
      return;
    }
    if (v instanceof Set || Array.isArray(v)) {
      for (const x of v) walk(x, origin);
      return;
    }
    const o = v as Record<string, unknown>;
    const here = isPosition(o.origin) ? o.origin : origin;
    for (const x of Object.values(o)) walk(x, here);
  };
  walk(root, undefined);
  return found;
}
