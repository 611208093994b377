// Template mixins (os_tpl from images, resource_tpl from flavors...) per caller: fetched through
// the template plans on a user's first request, one refresh at a time per user, kept for their
// TTL. A listing that fails is served from its last good copy; with none, the request fails with
// 503 naming the listing — the model is complete or the answer is an error, never a model that
// silently lacks the templates.
import type { RuleSet } from '../mapping/load-rules.js';
import type { TemplatePlan } from '../mapping/plan.js';
import { OcciError } from '../occi/errors.js';
import type { Mixin } from '../occi/model.js';
import { RuleError, ruleError } from './fault-translation.js';
import { type RunContext, runSteps, UNKNOWN } from './run-plan.js';
import type { Scope } from '../mapping/expressions.js';
import type { Telemetry } from './telemetry.js';

const MAX_USERS = 10_000;
/** After a failed refresh, when to try again (the last good list is served meanwhile). */
const RETRY_MS = 5_000;

interface Entry {
  mixins: Mixin[];
  expires: number;
  pending?: Promise<Mixin[]>;
}

export interface TemplateLog {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export class TemplateCache {
  /** Per rule set (dropped with it), per user: the whole list, and each listing's last good copy. */
  private readonly sets = new WeakMap<RuleSet, Map<string, Entry>>();
  private readonly lastGood = new WeakMap<RuleSet, Map<string, Mixin[]>>();

  constructor(private readonly log?: TemplateLog) {}

  /** The template mixins this user sees; the same array while it is fresh (callers cache on it). */
  async get(
    ruleSet: RuleSet,
    userKey: string,
    telemetry: Pick<Telemetry, 'onTemplateCache'>,
    context: () => Promise<{ ctx: RunContext; scope: Scope }>,
  ): Promise<Mixin[]> {
    if (ruleSet.mapping.templates.length === 0) return [];
    let users = this.sets.get(ruleSet);
    if (!users) {
      users = new Map();
      this.sets.set(ruleSet, users);
    }
    const entry = users.get(userKey);
    if (entry && entry.expires > Date.now()) {
      telemetry.onTemplateCache('hit');
      return entry.mixins;
    }
    if (entry?.pending) return entry.pending;
    telemetry.onTemplateCache('miss');
    const pending = this.fetch(ruleSet, userKey, telemetry, context).finally(() => {
      const current = users.get(userKey);
      if (current?.pending === pending) delete current.pending;
    });
    users.set(userKey, { mixins: entry?.mixins ?? [], expires: 0, pending });
    if (users.size > MAX_USERS) users.delete(users.keys().next().value!);
    return pending;
  }

  private async fetch(
    ruleSet: RuleSet,
    userKey: string,
    telemetry: Pick<Telemetry, 'onTemplateCache'>,
    context: () => Promise<{ ctx: RunContext; scope: Scope }>,
  ): Promise<Mixin[]> {
    let good = this.lastGood.get(ruleSet);
    if (!good) {
      good = new Map();
      this.lastGood.set(ruleSet, good);
    }
    const { ctx, scope } = await context();
    let expires = Number.POSITIVE_INFINITY;
    const lists = await Promise.all(
      ruleSet.mapping.templates.map(async (t) => {
        const key = `${userKey}|${t.name}`;
        try {
          const mixins = await listTemplates(t, scope, ctx);
          good.set(key, mixins);
          if (good.size > MAX_USERS * ruleSet.mapping.templates.length)
            good.delete(good.keys().next().value!);
          expires = Math.min(expires, Date.now() + t.ttlSeconds * 1000);
          return mixins;
        } catch (e) {
          telemetry.onTemplateCache('refresh-failed');
          const last = good.get(key);
          this.log?.warn('template listing failed', {
            template: t.name,
            error: (e as Error).message,
            served: last ? 'last good copy' : 'nothing: the request fails',
          });
          if (!last) throw templateFailure(t, e);
          expires = Math.min(expires, Date.now() + RETRY_MS);
          return last;
        }
      }),
    );
    const mixins = lists.flat();
    this.sets.get(ruleSet)?.set(userKey, { mixins, expires });
    return mixins;
  }
}

/** Runs a template's steps and turns its items into mixins (none when the answers are not known). */
export async function listTemplates(t: TemplatePlan, scope: Scope, ctx: RunContext): Promise<Mixin[]> {
  const run = await runSteps(t.steps, scope.child(), ctx, t.origin);
  let items: unknown;
  try {
    items = await run.value(t.items);
  } catch (e) {
    throw ruleError(e, t.origin, `items of the ${t.name} templates`);
  }
  if (items === UNKNOWN) return [];
  return (Array.isArray(items) ? items : items ? [items] : []).flatMap((item) => templateMixin(t, item));
}

function templateFailure(t: TemplatePlan, e: unknown): OcciError {
  // The rules' own fault (an expression, a budget) is not backend trouble: 502 naming the rule.
  if (e instanceof RuleError) return e;
  const status = e instanceof OcciError && (e.status === 503 || e.status === 504) ? e.status : 503;
  const why = e instanceof OcciError || e instanceof Error ? e.message : String(e);
  return new OcciError(
    status,
    `the ${t.name} templates cannot be listed from the backend now (${why}); try again later`,
    {
      'Retry-After': String(Math.ceil(RETRY_MS / 1000)),
    },
  );
}

function templateMixin(t: TemplatePlan, item: unknown): Mixin[] {
  if (!item || typeof item !== 'object') return [];
  const i = item as {
    term?: unknown;
    title?: unknown;
    attributes?: Record<string, { default?: unknown; type?: string; description?: string }>;
  };
  if (typeof i.term !== 'string' && typeof i.term !== 'number') return [];
  const term = String(i.term);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(term)) return [];
  return [
    {
      class: 'mixin',
      term,
      scheme: t.scheme,
      ...(typeof i.title === 'string' ? { title: i.title } : {}),
      location: `${t.location}${term}/`,
      depends: [t.depends],
      applies: [...t.applies],
      actions: [],
      attributes: Object.entries(i.attributes ?? {}).map(([name, a]) => ({
        name,
        type: (a.type as 'string') ?? (typeof a.default === 'number' ? 'number' : 'string'),
        mutable: true,
        required: false,
        ...(a.default !== undefined && a.default !== null ? { default: a.default as string } : {}),
        ...(a.description ? { description: a.description } : {}),
      })),
    },
  ];
}
