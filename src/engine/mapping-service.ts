// The entity service driven by the rules: turns each OCCI operation into the rule that maps it,
// runs the rule against the backend with the caller's credentials, and shapes the outcome into
// OCCI entities. Collections of mixins, unbound paths, and bulk deletes and actions are composed
// from the per-kind rules, so the rules only describe single operations.
import { BackendClient } from '../backend/backend-client.js';
import type { RuleSet } from '../mapping/load-rules.js';
import type { CompiledRule, MappingRules, OperationName } from '../mapping/compile-rules.js';
import { ruleKey } from '../mapping/compile-rules.js';
import { notImplemented, OcciError } from '../occi/errors.js';
import type { Category, Kind, Link, Mixin, Resource } from '../occi/model.js';
import { typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import { shapeEntities, shapeEntity } from './entity-shape.js';
import { RuleFailure, where } from './fault-translation.js';
import { matchesFilter } from './filter.js';
import type {
  Caller,
  CollectionRef,
  EntityService,
  Operation,
  OperationContext,
  OperationResult,
} from './operation.js';
import { mixinDocument, requestDocument } from './request-document.js';
import { type PlannedCall, type RunEnv, runRule, runSteps, selectRule, type Transport } from './run-rule.js';
import { type Session, SessionCache } from './sessions.js';
import { NO_TELEMETRY, type Telemetry } from './telemetry.js';
import { describeOperation } from './unmapped-service.js';

export interface MappingServiceOptions {
  /** Identity URL of the backend (e.g. https://accounts.example.org/identity/v2.0); none: services need fixed URLs. */
  identityUrl?: string;
  client?: BackendClient;
  log?: { warn(message: string, fields?: Record<string, unknown>): void };
  telemetry?: Telemetry;
}

type Entity = Resource | Link;

export class MappingService implements EntityService {
  readonly client: BackendClient;
  readonly sessions: SessionCache;
  private readonly templateCache = new Map<string, { mixins: Mixin[]; expires: number }>();
  private readonly telemetry: Telemetry;

  constructor(
    private readonly getRuleSet: () => RuleSet,
    private readonly options: MappingServiceOptions = {},
  ) {
    this.client = options.client ?? new BackendClient();
    this.telemetry = options.telemetry ?? NO_TELEMETRY;
    this.sessions = new SessionCache(this.client, options.identityUrl);
  }

  close(): Promise<void> {
    return this.client.close();
  }

  async identify(caller: Caller, context?: Pick<OperationContext, 'telemetry'>): Promise<string | undefined> {
    const ruleSet = this.getRuleSet();
    if (!ruleSet.mapping.identity || !this.options.identityUrl || !caller.token) return undefined;
    return (await this.sessions.resolve(ruleSet.mapping, caller.token, this.tel(context))).userId;
  }

  /** The request's telemetry, or the service's own. */
  private tel(context?: Pick<OperationContext, 'telemetry'>): Telemetry {
    return context?.telemetry ?? this.telemetry;
  }

  isPassthrough(path: string): boolean {
    return this.getRuleSet().mapping.passthrough.some((p) => path.startsWith(p.prefix));
  }

  async passthrough(caller: Caller, path: string, search: string) {
    const ruleSet = this.getRuleSet();
    const route = ruleSet.mapping.passthrough.find((p) => path.startsWith(p.prefix));
    if (!route) return undefined;
    const session = await this.sessions.resolve(ruleSet.mapping, caller.token);
    const base = this.sessions.serviceUrl(ruleSet.mapping, session, route.service);
    const headers: Record<string, string> = {};
    if (caller.token) headers[ruleSet.mapping.tokenHeader.toLowerCase()] = caller.token;
    return { url: `${base}/${path.slice(route.prefix.length)}${search ? `?${search}` : ''}`, headers };
  }

  /** The transport that sends planned calls to the backend with the caller's token. */
  transport(
    ruleSet: RuleSet,
    session: Session,
    caller: Caller,
    signal?: AbortSignal,
    telemetry: Telemetry = this.telemetry,
  ): Transport {
    const mapping = ruleSet.mapping;
    return async (call: PlannedCall) => {
      const base = this.sessions.serviceUrl(mapping, session, call.service);
      const query = new URLSearchParams(call.query).toString();
      const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
      if (caller.token) headers[mapping.tokenHeader.toLowerCase()] = caller.token;
      return this.client.send({
        method: call.method,
        url: base + call.path + (query ? `?${query}` : ''),
        headers,
        label: { service: call.service, step: call.step },
        observer: telemetry,
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        ...(signal ? { signal } : {}),
      });
    };
  }

  helpers(registry: CategoryRegistry) {
    return {
      /** Ends the rule with an OCCI error, e.g. $fail(404, "server deleted"). */
      fail: (status: unknown, message: unknown) => {
        throw new RuleFailure(Number(status), String(message ?? 'failed'));
      },
      /** Every mixin the caller can see that depends on this one, e.g. all resource templates. */
      templates: (dependsOn: unknown) =>
        typeof dependsOn === 'string'
          ? registry.dependents(dependsOn).map((m) => mixinDocument(typeId(m), registry))
          : [],
      /** A mixin the caller can see (templates included), as rules see request mixins. */
      mixin: (id: unknown) =>
        typeof id === 'string' && registry.mixin(id) ? mixinDocument(id, registry) : undefined,
      location: (kind: string, id: unknown) => {
        const k = findKind(registry, kind);
        if (!k?.location || id === undefined || id === null) return undefined;
        return `${k.location}${encodeURIComponent(String(id))}`;
      },
      idOf: (location: unknown, kind?: string) => {
        if (typeof location !== 'string') return undefined;
        const found = locate(registry, location);
        if (!found) return undefined;
        if (kind && found.kind !== (findKind(registry, kind) ? typeId(findKind(registry, kind)!) : kind))
          return undefined;
        return found.id;
      },
    };
  }

  async env(context: OperationContext): Promise<RunEnv> {
    const ruleSet = this.getRuleSet();
    const telemetry = this.tel(context);
    const session = await this.sessions.resolve(ruleSet.mapping, context.caller.token, telemetry);
    const log = this.options.log;
    return {
      mapping: ruleSet.mapping,
      transport: this.transport(ruleSet, session, context.caller, context.signal, telemetry),
      helpers: this.helpers(context.registry),
      onCompensated: (step) => telemetry.onCompensation('ok', step),
      onCompensationFailure: (step, error) => {
        telemetry.onCompensation('failed', step);
        telemetry.onOrphan(step); // nothing retries a failed compensation yet
        log?.warn('compensation failed', {
          step,
          error: error instanceof Error ? error.message : String(error),
        });
      },
    };
  }

  /** Rules come from the rule set the request started with (env.mapping), never a newer one. */
  rules(
    mapping: MappingRules,
    category: string,
    operation: OperationName,
    action?: string,
  ): readonly CompiledRule[] | undefined {
    return mapping.rules.get(ruleKey(category, operation, action));
  }

  /** The rules for an operation; a mixin without its own is mapped by those of what it depends on (user mixins). */
  rulesFor(
    mapping: MappingRules,
    registry: CategoryRegistry,
    category: string,
    operation: OperationName,
    action?: string,
  ) {
    const candidates = [category, ...registry.mixinClosure(category).slice(1).map(typeId)];
    return candidates.map((c) => this.rules(mapping, c, operation, action)).find((r) => r?.length);
  }

  private async run(
    category: string,
    operation: OperationName,
    op: Operation,
    context: OperationContext,
    env: RunEnv,
    action?: string,
  ): Promise<unknown> {
    const request = requestDocument(op, context.registry, (l) => locate(context.registry, l));
    const vars = { id: (request as { id?: unknown }).id };
    const rule = await selectRule(
      this.rulesFor(env.mapping, context.registry, category, operation, action),
      request,
      vars,
      env,
    );
    if (!rule) throw notImplemented(`no backend rule maps the ${describeOperation(op)}`);
    this.tel(context).onRuleSelected(category, operation, where(rule.origin));
    return runRule(rule, request, vars, env);
  }

  private async listKind(kind: Kind, context: OperationContext, env: RunEnv): Promise<Entity[]> {
    const op: Operation = {
      op: 'list',
      collection: { type: 'kind', kind },
      filter: { categories: [], attributes: {} },
    };
    const result = await this.run(typeId(kind), 'list', op, context, env);
    return shapeEntities(result, kind, context.registry, `list of ${typeId(kind)}`);
  }

  /** Kinds whose instances a collection holds, and an extra condition on them. */
  private kindsOf(
    collection: CollectionRef,
    registry: CategoryRegistry,
    mapping: MappingRules,
  ): { kinds: Kind[]; keep(e: Entity): boolean } {
    const mapped = registry
      .all()
      .filter((c): c is Kind => c.class === 'kind' && !!this.rules(mapping, typeId(c), 'list'));
    if (collection.type === 'kind') {
      return {
        kinds: mapped.filter((k) => registry.isA(typeId(k), typeId(collection.kind))),
        keep: () => true,
      };
    }
    if (collection.type === 'mixin') {
      const id = typeId(collection.mixin);
      return {
        kinds: mapped.filter((k) => registry.appliesTo(id, typeId(k))),
        keep: (e) => e.mixins.some((m) => m === id || registry.dependsOn(m, id)),
      };
    }
    return { kinds: mapped.filter((k) => k.location?.startsWith(collection.path)), keep: () => true };
  }

  private async list(collection: CollectionRef, context: OperationContext, env: RunEnv): Promise<Entity[]> {
    const { kinds, keep } = this.kindsOf(collection, context.registry, env.mapping);
    if (kinds.length === 0 && collection.type === 'kind') {
      throw notImplemented(`no backend rule maps the list of ${typeId(collection.kind)}`);
    }
    const lists = await Promise.all(kinds.map((k) => this.listKind(k, context, env)));
    return lists.flat().filter(keep);
  }

  async execute(op: Operation, context: OperationContext): Promise<OperationResult> {
    const env = await this.env(context);
    switch (op.op) {
      case 'list': {
        const entities = (await this.list(op.collection, context, env)).filter((e) =>
          matchesFilter(e, op.filter, context.registry),
        );
        return { status: 200, document: { type: 'collection', entities } };
      }
      case 'get': {
        const result = await this.run(typeId(op.entity.kind), 'get', op, context, env);
        return {
          status: 200,
          document: {
            type: 'entity',
            entity: shapeEntity(result, op.entity.kind, context.registry, `get of ${op.entity.location}`),
          },
        };
      }
      case 'create': {
        const kind = op.input.kind;
        const result = await this.run(typeId(kind), 'create', op, context, env);
        const entity = shapeEntity(result, kind, context.registry, `create of ${typeId(kind)}`);
        return { status: 201, document: { type: 'entity', entity }, headers: { Location: entity.location } };
      }
      case 'update':
      case 'replace': {
        const result = await this.run(typeId(op.entity.kind), op.op, op, context, env);
        return this.entityAfter(result, op.entity, context, env);
      }
      case 'delete':
        await this.run(typeId(op.entity.kind), 'delete', op, context, env);
        return { status: 200, document: { type: 'ok' } };
      case 'action': {
        const result = await this.run(
          typeId(op.entity.kind),
          'action',
          op,
          context,
          env,
          typeId(op.input.action),
        );
        if (result === undefined || result === null) return { status: 200, document: { type: 'ok' } };
        return this.entityAfter(result, op.entity, context, env);
      }
      case 'delete-all':
      case 'collection-action': {
        const members = (await this.list(op.collection, context, env)).filter((e) =>
          matchesFilter(e, op.filter, context.registry),
        );
        await this.forEachMember(members, context, (e, kind) =>
          op.op === 'delete-all'
            ? this.run(
                typeId(kind),
                'delete',
                { op: 'delete', entity: { kind, id: e.id, location: e.location } },
                context,
                env,
              )
            : this.run(
                typeId(kind),
                'action',
                { op: 'action', entity: { kind, id: e.id, location: e.location }, input: op.input },
                context,
                env,
                typeId(op.input.action),
              ),
        );
        return { status: 200, document: { type: 'ok' } };
      }
      case 'associate':
      case 'dissociate': {
        await this.run(typeId(op.mixin), op.op, op, context, env);
        return this.members(op.mixin, context, env);
      }
      case 'set-members': {
        // Full update of a mixin collection: dissociate who is no longer listed, associate the rest.
        const current = await this.list({ type: 'mixin', mixin: op.mixin }, context, env);
        const wanted = new Set(
          op.locations
            .map((l) => locate(context.registry, l))
            .filter(Boolean)
            .map((x) => `${x!.kind}|${x!.id}`),
        );
        const gone = current.filter((e) => !wanted.has(`${e.kind}|${e.id}`)).map((e) => e.location);
        if (gone.length)
          await this.run(
            typeId(op.mixin),
            'dissociate',
            { op: 'dissociate', mixin: op.mixin, locations: gone },
            context,
            env,
          );
        if (op.locations.length === 0) return { status: 200, document: { type: 'collection', entities: [] } };
        await this.run(
          typeId(op.mixin),
          'associate',
          { op: 'associate', mixin: op.mixin, locations: op.locations },
          context,
          env,
        );
        return this.members(op.mixin, context, env);
      }
    }
  }

  /** The members of a mixin collection, as OCCI 1.2 wants after POST/PUT/DELETE on one. */
  private async members(mixin: Mixin, context: OperationContext, env: RunEnv): Promise<OperationResult> {
    const entities = await this.list({ type: 'mixin', mixin }, context, env);
    return { status: 200, document: { type: 'collection', entities } };
  }

  /** After an update or action: the entity the rule returned, or a fresh read of it. */
  private async entityAfter(
    result: unknown,
    entity: { kind: Kind; id: string; location: string },
    context: OperationContext,
    env: RunEnv,
  ): Promise<OperationResult> {
    if (result && typeof result === 'object' && 'id' in result) {
      return {
        status: 200,
        document: {
          type: 'entity',
          entity: shapeEntity(result, entity.kind, context.registry, `update of ${entity.location}`),
        },
      };
    }
    const fresh = await this.run(typeId(entity.kind), 'get', { op: 'get', entity }, context, env);
    return {
      status: 200,
      document: {
        type: 'entity',
        entity: shapeEntity(fresh, entity.kind, context.registry, `get of ${entity.location}`),
      },
    };
  }

  /** Runs an operation on each member, a few at a time; reports the first failure with a count. */
  private async forEachMember(
    members: Entity[],
    context: OperationContext,
    fn: (e: Entity, kind: Kind) => Promise<unknown>,
  ) {
    const failures: OcciError[] = [];
    const queue = [...members];
    const worker = async () => {
      for (let e = queue.shift(); e; e = queue.shift()) {
        const kind = context.registry.kind(e.kind);
        if (!kind) continue;
        try {
          await fn(e, kind);
        } catch (err) {
          failures.push(err instanceof OcciError ? err : new OcciError(502, String(err)));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
    if (failures.length) {
      const first = failures[0]!;
      throw new OcciError(
        first.status,
        `${failures.length} of ${members.length} failed; first: ${first.message}`,
        first.headers,
      );
    }
  }

  /**
   * The template mixins this caller sees. The same array is returned while it is fresh, so that
   * callers can reuse what they built from it; one refresh at a time per user.
   */
  async categories(context: Omit<OperationContext, 'registry'>): Promise<Category[]> {
    const ruleSet = this.getRuleSet();
    if (ruleSet.mapping.templates.length === 0 || !context.caller.token) return [];
    const key = `${ruleSet.generation}|${context.caller.userKey ?? 'anonymous'}`;
    const entry = this.templateSets.get(key);
    if (entry && entry.expires > Date.now()) {
      this.tel(context).onTemplateCache('hit');
      return entry.mixins;
    }
    if (entry?.pending) return entry.pending;
    this.tel(context).onTemplateCache('miss');
    const pending = this.fetchTemplates(ruleSet, context, key).finally(() => {
      const current = this.templateSets.get(key);
      if (current?.pending === pending) delete current.pending;
    });
    this.templateSets.set(key, { mixins: entry?.mixins ?? [], expires: 0, pending });
    if (this.templateSets.size > 10_000) this.templateSets.delete(this.templateSets.keys().next().value!);
    return pending;
  }

  private readonly templateSets = new Map<
    string,
    { mixins: Mixin[]; expires: number; pending?: Promise<Mixin[]> }
  >();

  private async fetchTemplates(
    ruleSet: RuleSet,
    context: Omit<OperationContext, 'registry'>,
    key: string,
  ): Promise<Mixin[]> {
    let env: RunEnv;
    try {
      env = await this.env({ ...context, registry: ruleSet.registry });
    } catch {
      return []; // no valid session: the query interface still answers, without backend templates
    }
    let expires = Number.POSITIVE_INFINITY;
    const lists = await Promise.all(
      ruleSet.mapping.templates.map(async (t) => {
        const cacheKey = `${key}|${t.name}`;
        const cached = this.templateCache.get(cacheKey);
        try {
          const state = { doc: {} as Record<string, unknown>, vars: {} };
          await runSteps(t.steps, state, env, t.origin);
          const items = await t.items.evaluate(state.doc, { ...env.helpers, tables: ruleSet.mapping.tables });
          const mixins = (Array.isArray(items) ? items : items ? [items] : []).flatMap((item) =>
            templateMixin(t, item),
          );
          this.templateCache.set(cacheKey, { mixins, expires: Date.now() + t.ttlSeconds * 1000 });
          if (this.templateCache.size > 10_000)
            this.templateCache.delete(this.templateCache.keys().next().value!);
          expires = Math.min(expires, Date.now() + t.ttlSeconds * 1000);
          return mixins;
        } catch (e) {
          this.tel(context).onTemplateCache('refresh-failed');
          this.options.log?.warn('template listing failed', {
            template: t.name,
            error: (e as Error).message,
          });
          expires = Math.min(expires, Date.now() + 5_000); // retry soon, serving the last good list meanwhile
          return cached?.mixins ?? [];
        }
      }),
    );
    const mixins = lists.flat();
    this.templateSets.set(key, { mixins, expires });
    return mixins;
  }
}

function templateMixin(t: RuleSet['mapping']['templates'][number], item: unknown): Mixin[] {
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
      applies: t.applies,
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

function findKind(registry: CategoryRegistry, kind: string): Kind | undefined {
  const byId = registry.kind(kind);
  if (byId) return byId;
  return registry.all().find((c): c is Kind => c.class === 'kind' && c.term === kind);
}

/** Which entity a location names: `/compute/42` or `http://host/compute/42` → compute, 42. */
export function locate(
  registry: CategoryRegistry,
  location: string,
): { kind: string; id: string } | undefined {
  let path = location;
  if (!path.startsWith('/')) {
    try {
      path = new URL(location).pathname;
    } catch {
      return undefined;
    }
  }
  const slash = path.lastIndexOf('/');
  if (slash < 0 || slash === path.length - 1) return undefined;
  const kind = registry.atLocation(path.slice(0, slash + 1));
  if (kind?.class !== 'kind') return undefined;
  try {
    return { kind: typeId(kind), id: decodeURIComponent(path.slice(slash + 1)) };
  } catch {
    return undefined;
  }
}
