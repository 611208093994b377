// Compiles the backend-mapping sections of a rule set into plans, one small pass per section
// (backend.ts, functions.ts, entities.ts, rules.ts, templates.ts), each taking typed input and
// reporting its own problems with file:line:col. Cross-file names (services, functions) are
// collected first, so that any file may use what any other declares.
import type { CategoryRegistry } from '../../occi/registry.js';
import { compileExpression, DEFAULT_EXPRESSION_LIMITS, type Expression } from '../expressions.js';
import {
  HELPER_NAMES,
  type MappingPlans,
  REQUEST_NAMES,
  type EntityPlan,
  type RulePlan,
  type TemplatePlan,
} from '../plan.js';
import { type Problem, problem } from '../problems.js';
import type { CheckedFile } from '../source-file.js';
import {
  compileFaults,
  compileIdentity,
  compileLimits,
  compilePassthrough,
  compileServices,
  compileTables,
  compileUserMixins,
  Singletons,
} from './backend.js';
import { compileEntities } from './entities.js';
import { FileContext } from './file-context.js';
import { compileFunctions, functionNames } from './functions.js';
import { checkActionsMapped, compileRules } from './rules.js';
import { Names } from './steps.js';
import { compileTemplates } from './templates.js';

export function compileMapping(
  files: readonly CheckedFile[],
  registry: CategoryRegistry,
): { mapping: MappingPlans; problems: Problem[] } {
  const contexts = files.map((f) => new FileContext(f));
  const { services, names: serviceNames } = compileServices(contexts);
  const functionsDeclared = functionNames(contexts);
  // What a shared function or entity mapping may read; rules also have the request's names.
  const helpers = new Names(new Set([...HELPER_NAMES, ...functionsDeclared]));
  const global = new Names(new Set([...HELPER_NAMES, ...functionsDeclared, ...REQUEST_NAMES]));
  const singletons = new Singletons();
  const mapping: MappingPlans & {
    rules: Map<string, RulePlan[]>;
    functions: Map<string, Expression>;
    entities: Map<string, EntityPlan>;
    templates: TemplatePlan[];
    passthrough: MappingPlans['passthrough'][number][];
    tables: Record<string, Record<string, unknown>>;
  } = {
    rules: new Map<string, RulePlan[]>(),
    services,
    tokenHeader: 'X-Auth-Token',
    faults: { status: {} },
    tables: {} as Record<string, Record<string, unknown>>,
    functions: new Map<string, Expression>(),
    entities: new Map<string, EntityPlan>(),
    templates: [] as TemplatePlan[],
    passthrough: [] as MappingPlans['passthrough'][number][],
    limits: DEFAULT_EXPRESSION_LIMITS,
  };
  for (const ctx of contexts) {
    if (!ctx.data) continue;
    const sc = { ctx, services: serviceNames };
    if (singletons.claim(ctx, 'tokenHeader')) mapping.tokenHeader = String(ctx.data.tokenHeader);
    if (singletons.claim(ctx, 'userMixins')) mapping.userMixinBase = compileUserMixins(ctx, registry);
    if (singletons.claim(ctx, 'faults'))
      mapping.faults = compileFaults(ctx, ['faults'], ctx.data.faults) ?? mapping.faults;
    if (singletons.claim(ctx, 'identity')) {
      const identity = compileIdentity(ctx);
      if (identity) mapping.identity = identity;
    }
    if (singletons.claim(ctx, 'limits')) mapping.limits = compileLimits(ctx);
    compileTables(ctx, mapping.tables);
    compileFunctions(ctx, mapping.functions, helpers);
    compileEntities(ctx, registry, mapping.entities, helpers);
    mapping.passthrough.push(...compilePassthrough(ctx, serviceNames));
    compileTemplates(sc, registry, mapping.templates, global);
    compileRules(sc, registry, mapping.rules, global);
  }
  if (mapping.functions.size) {
    const names = [...mapping.functions.keys()];
    const block = `(\n${names.map((n) => `$${n} := ${mapping.functions.get(n)!.source}`).join(';\n')};\n{${names
      .map((n) => `"${n}": $${n}`)
      .join(', ')}}\n)`;
    // Each definition compiled alone, so the block compiles too (its problems are reported above).
    try {
      mapping.functionBlock = compileExpression(block);
    } catch {
      // A definition that does not compile is reported at its own position.
    }
  }
  const problems = contexts.flatMap((c) => c.problems);
  checkActionsMapped(mapping.rules, registry, (origin, message) =>
    problems.push(problem(origin, 'action-without-rule', message)),
  );
  return { mapping, problems };
}
