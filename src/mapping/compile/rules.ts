// Compile pass for rules: each maps one OCCI operation on one kind or mixin to a plan of steps
// and a result. Checks that the category and action exist and are offered, that no rule is
// shadowed by an earlier one that always matches, and that every name a rule reads is defined.
import { type Category, typeId } from '../../occi/model.js';
import type { CategoryRegistry } from '../../occi/registry.js';
import { type OperationName, type RulePlan, ruleKey } from '../plan.js';
import type { Raw } from './file-context.js';
import { checkCleanupLast, checkNames, compileSteps, type Names, type StepContext } from './steps.js';

/** Actions a kind or mixin offers, inherited ones included (as requests see them). */
export function offeredActions(registry: CategoryRegistry, c: Category): string[] {
  if (c.class === 'kind') return registry.effectiveActions(typeId(c));
  if (c.class === 'mixin') return registry.effectiveActions('', [typeId(c)]);
  return [];
}

export function compileRules(
  sc: StepContext,
  registry: CategoryRegistry,
  rules: Map<string, RulePlan[]>,
  global: Names,
): void {
  const { ctx } = sc;
  const raw = ctx.data?.rules;
  if (!Array.isArray(raw)) return;
  (raw as Raw[]).forEach((r, i) => {
    const path = ['rules', i];
    if (!ctx.valid(path)) return;
    const category = String(r.category);
    const operation = r.operation as OperationName;
    const target = registry.get(category);
    if (!target || target.class === 'action') {
      ctx.report([...path, 'category'], 'unknown-kind', `'${category}' is not a declared kind or mixin`);
      return;
    }
    const action = r.action === undefined ? undefined : String(r.action);
    if (operation === 'action') {
      if (!action)
        ctx.report(path, 'missing-action', `rule for operation 'action' on '${category}' names no action`);
      else if (!registry.action(action))
        ctx.report([...path, 'action'], 'unknown-action', `action '${action}' is not declared`);
      else if (!offeredActions(registry, target).includes(action))
        ctx.report(
          [...path, 'action'],
          'action-not-offered',
          `'${category}' does not offer action '${action}'`,
        );
    }
    const names = global.with();
    const when = ctx.expression([...path, 'when'], r.when);
    checkNames(ctx, [...path, 'when'], when, names);
    const steps = compileSteps(sc, [...path, 'steps'], r.steps, names);
    checkCleanupLast(ctx, [...path, 'steps'], steps);
    const result = ctx.expression([...path, 'result'], r.result);
    checkNames(ctx, [...path, 'result'], result, names);
    const plan: RulePlan = {
      category,
      operation,
      steps,
      origin: ctx.at(path),
      ...(action ? { action } : {}),
      ...(when ? { when } : {}),
      ...(typeof r.unsupported === 'string' ? { unsupported: r.unsupported } : {}),
      ...(result ? { result } : {}),
    };
    const key = ruleKey(category, operation, action);
    const list = rules.get(key) ?? [];
    const shadowing = list.find((x) => !x.when);
    if (shadowing) {
      ctx.report(
        path,
        'unreachable-rule',
        `an earlier rule for ${operation} on '${category}' (${shadowing.origin.file}:${shadowing.origin.line}) always matches`,
      );
    }
    list.push(plan);
    rules.set(key, list);
  });
}

/** Every action a mapped kind or mixin offers needs a rule, even if only to say it is unsupported. */
export function checkActionsMapped(
  rules: ReadonlyMap<string, readonly RulePlan[]>,
  registry: CategoryRegistry,
  report: (origin: RulePlan['origin'], message: string) => void,
): void {
  const first = new Map<string, RulePlan>();
  for (const list of rules.values())
    for (const r of list) if (!first.has(r.category)) first.set(r.category, r);
  for (const [category, rule] of first) {
    const target = registry.get(category);
    if (!target) continue;
    for (const action of offeredActions(registry, target)) {
      if (!rules.has(ruleKey(category, 'action', action)))
        report(rule.origin, `'${category}' offers action '${action}' but no rule maps it`);
    }
  }
}
