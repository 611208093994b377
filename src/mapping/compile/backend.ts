// Compile passes for the sections that describe the backend as a whole: services, identity,
// token header, faults, value tables, expression limits, pass-through routes and user mixins.
// Sections that may appear once across the rule set are claimed through `Singletons`.
import type { Position } from '../build-categories.js';
import { DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from '../expressions.js';
import { parsePathTemplate } from '../path-template.js';
import type { IdentityPlan, PassthroughRoute, ServiceDefinition } from '../plan.js';
import type { CategoryRegistry } from '../../occi/registry.js';
import type { FileContext, Raw } from './file-context.js';
import { checkNames, compileFaults, Names } from './steps.js';

/** Sections declared once across all files: the first claim wins, later ones are reported. */
export class Singletons {
  private readonly seen = new Map<string, Position>();
  claim(ctx: FileContext, key: string): boolean {
    const data = ctx.data;
    if (data?.[key] === undefined || !ctx.valid([key])) return false;
    const first = this.seen.get(key);
    if (first) {
      ctx.report(
        [key],
        'duplicate-definition',
        `'${key}' is already defined at ${first.file}:${first.line}`,
        true,
      );
      return false;
    }
    this.seen.set(key, ctx.at([key], true));
    return true;
  }
}

/** Services of every file, first: rules in any file may use services declared in any other. */
export function compileServices(files: readonly FileContext[]): {
  services: Map<string, ServiceDefinition>;
  names: Set<string>;
} {
  const services = new Map<string, ServiceDefinition>();
  const names = new Set<string>();
  for (const ctx of files) {
    const raw = ctx.data?.services;
    if (!raw || typeof raw !== 'object') continue;
    for (const [name, def] of Object.entries(raw as Raw)) {
      if (names.has(name))
        ctx.report(['services', name], 'duplicate-definition', `service '${name}' is declared twice`, true);
      names.add(name);
      // A service with schema errors is still known by name: its uses then report nothing more.
      if (ctx.valid(['services', name])) services.set(name, def as ServiceDefinition);
    }
  }
  return { services, names };
}

export function compileIdentity(ctx: FileContext): IdentityPlan | undefined {
  const raw = ctx.data?.identity as Raw;
  // The identity answer is the input of `user` and `catalog`; the body sees only `$token`.
  const user = ctx.expression(['identity', 'user'], raw.user, 'document');
  const catalog = ctx.expression(['identity', 'catalog'], raw.catalog, 'document');
  const body = ctx.expression(['identity', 'body'], raw.body);
  checkNames(ctx, ['identity', 'body'], body, new Names(new Set(['token'])));
  if (!user || !catalog) return undefined;
  return {
    method: String(raw.method),
    path: parsePathTemplate(String(raw.path)),
    user,
    catalog,
    ttlSeconds: (raw.ttlSeconds as number | undefined) ?? 60,
    origin: ctx.at(['identity']),
    ...(body ? { body } : {}),
    ...(Array.isArray(raw.expect) ? { expect: raw.expect as number[] } : {}),
    ...(typeof raw.challenge === 'string' ? { challenge: raw.challenge } : {}),
  };
}

export { compileFaults };

export function compileTables(ctx: FileContext, tables: Record<string, Record<string, unknown>>): void {
  const raw = ctx.data?.tables;
  if (!raw || !ctx.valid(['tables'])) return;
  for (const [name, table] of Object.entries(raw as Raw)) {
    if (tables[name])
      ctx.report(['tables', name], 'duplicate-definition', `table '${name}' is defined twice`, true);
    tables[name] = table as Record<string, unknown>;
  }
}

export function compileLimits(ctx: FileContext): ExpressionLimits {
  const raw = (ctx.data?.limits ?? {}) as Raw;
  return {
    maxSteps: (raw.steps as number | undefined) ?? DEFAULT_EXPRESSION_LIMITS.maxSteps,
    maxDepth: (raw.depth as number | undefined) ?? DEFAULT_EXPRESSION_LIMITS.maxDepth,
    maxOutput: (raw.output as number | undefined) ?? DEFAULT_EXPRESSION_LIMITS.maxOutput,
  };
}

export function compilePassthrough(ctx: FileContext, services: ReadonlySet<string>): PassthroughRoute[] {
  const raw = ctx.data?.passthrough;
  if (!Array.isArray(raw)) return [];
  return (raw as Raw[]).flatMap((p, i) => {
    if (!ctx.valid(['passthrough', i])) return [];
    if (!services.has(String(p.service)))
      ctx.report(
        ['passthrough', i, 'service'],
        'unknown-service',
        `service '${String(p.service)}' is not declared`,
      );
    return [{ prefix: String(p.prefix), service: String(p.service), origin: ctx.at(['passthrough', i]) }];
  });
}

export function compileUserMixins(ctx: FileContext, registry: CategoryRegistry): string {
  const base = String((ctx.data?.userMixins as Raw | undefined)?.dependOn);
  if (!registry.mixin(base))
    ctx.report(['userMixins', 'dependOn'], 'unknown-mixin', `mixin '${base}' is not declared`);
  return base;
}
