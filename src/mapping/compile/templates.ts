// Compile pass for templates: mixins generated from backend listings (images → os_tpl, flavors →
// resource_tpl), each fetched with steps and turned into mixins by `items`.
import type { CategoryRegistry } from '../../occi/registry.js';
import type { TemplatePlan } from '../plan.js';
import type { Raw } from './file-context.js';
import { checkNames, compileSteps, type Names, type StepContext } from './steps.js';

export function compileTemplates(
  sc: StepContext,
  registry: CategoryRegistry,
  templates: TemplatePlan[],
  global: Names,
): void {
  const { ctx } = sc;
  const raw = ctx.data?.templates;
  if (!Array.isArray(raw)) return;
  (raw as Raw[]).forEach((t, i) => {
    const path = ['templates', i];
    if (!ctx.valid(path)) return;
    if (!registry.mixin(String(t.depends)))
      ctx.report([...path, 'depends'], 'unknown-mixin', `mixin '${String(t.depends)}' is not declared`);
    for (const [j, k] of ((t.applies as string[] | undefined) ?? []).entries()) {
      if (!registry.kind(k))
        ctx.report([...path, 'applies', j], 'unknown-kind', `kind '${k}' is not declared`);
    }
    const names = global.with();
    const steps = compileSteps(sc, [...path, 'steps'], t.steps, names);
    const items = ctx.expression([...path, 'items'], t.items);
    checkNames(ctx, [...path, 'items'], items, names);
    if (!items) return;
    templates.push({
      name: String(t.name),
      scheme: String(t.scheme),
      location: String(t.location),
      depends: String(t.depends),
      applies: (t.applies as string[] | undefined) ?? [],
      ttlSeconds: (t.ttlSeconds as number | undefined) ?? 300,
      steps,
      items,
      origin: ctx.at(path),
    });
  });
}
