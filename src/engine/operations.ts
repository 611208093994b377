// One request's operation, carried out through the rules: picks the rule that maps it, runs its
// plan in the request's scope, and shapes the outcome into OCCI entities. Collections of mixins,
// paths above collections, bulk deletes and actions, mixin membership and the inline links of a
// create are composed here from the per-kind rules, so the rules only describe single operations.
// Serving and explain both come through here; they differ only in the run context's backend.
import type { Scope } from '../mapping/expressions.js';
import type { RuleSet } from '../mapping/load-rules.js';
import { type OperationName, type RulePlan, ruleKey } from '../mapping/plan.js';
import { badRequest, notFound, notImplemented, OcciError } from '../occi/errors.js';
import { entityLocation, locate } from '../occi/locations.js';
import type { Kind, Link, Mixin, Resource } from '../occi/model.js';
import { typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { ParsedLink } from '../rendering/parsed.js';
import { shapeEntities, shapeEntity } from './entity-shape.js';
import { matchesFilter } from './filter.js';
import type { CollectionRef, EntityRef, Operation, OperationResult } from './operation.js';
import { requestDocument } from './request-document.js';
import { type RunContext, runRule, selectRule, UNKNOWN, type Value } from './run-plan.js';
import { describeOperation } from './unmapped-service.js';
import { checkAttributes, resolveMixins } from './validate-request.js';

type Entity = Resource | Link;
type InlineLink = { kind: Kind; input: Extract<Operation, { op: 'create' }>['input'] };

/** Stands for an id not known before sending (explain): a new entity's, a listed member's. */
export const PENDING_ID = '{id}';

export class OperationRunner {
  constructor(
    private readonly ruleSet: RuleSet,
    private readonly registry: CategoryRegistry,
    private readonly scope: Scope,
    private readonly ctx: RunContext,
    /** Explain: the rules used, and notes on how composed operations unfold. */
    private readonly trace?: { notes: string[]; rule(rule: RulePlan): void },
  ) {}

  private rules(category: string, operation: OperationName, action?: string) {
    return this.ruleSet.mapping.rules.get(ruleKey(category, operation, action));
  }

  /** The rules for an operation; a mixin without its own is mapped by those of what it depends on (user mixins). */
  private rulesFor(category: string, operation: OperationName, action?: string) {
    const candidates = [category, ...this.registry.mixinClosure(category).slice(1).map(typeId)];
    return candidates.map((c) => this.rules(c, operation, action)).find((r) => r?.length);
  }

  /** The rule mapping an operation, and the scope it runs in: the request document, `$id`, `$entity`. */
  async rule(
    category: string,
    operation: OperationName,
    op: Operation,
    action?: string,
    request?: Record<string, unknown>,
  ): Promise<{ rule: RulePlan; scope: Scope }> {
    const doc = request ?? requestDocument(op, this.registry, (l) => locate(this.registry, l));
    const scope = await this.ruleScope(category, doc);
    const rule = await selectRule(this.rulesFor(category, operation, action), scope, this.ctx);
    if (!rule) throw notImplemented(`no backend rule maps the ${describeOperation(op)}`);
    this.trace?.rule(rule);
    return { rule, scope };
  }

  /** The scope a rule of `category` runs in: the request document, `$id`, and `$entity` for its kind. */
  private async ruleScope(category: string, request: Record<string, unknown>): Promise<Scope> {
    const entity = this.scope.lookup('entity') as (o: unknown, k?: unknown) => unknown;
    return this.scope.child({
      request,
      id: request.id,
      // In a rule, $entity(x) maps x by the entity mapping of the rule's own kind.
      entity: (o: unknown, k?: unknown) => entity(o, k ?? category),
    });
  }

  async run(category: string, operation: OperationName, op: Operation, action?: string): Promise<Value> {
    const { rule, scope } = await this.rule(category, operation, op, action);
    return runRule(rule, scope, this.ctx);
  }

  /** An id that cannot be one of this kind's (its entity mapping's idPattern) names nothing: 404, no call. */
  private checkId(entity: EntityRef): void {
    const pattern = this.ruleSet.mapping.entities.get(typeId(entity.kind))?.idPattern;
    if (pattern && entity.id !== PENDING_ID && !pattern.test(entity.id))
      throw notFound(`no ${entity.kind.term} at '${entity.location}'`);
  }

  private entity(raw: Value, kind: Kind, what: string): Entity | undefined {
    return raw === UNKNOWN ? undefined : shapeEntity(raw, kind, this.registry, what);
  }

  private async listKind(kind: Kind): Promise<Entity[] | undefined> {
    const op: Operation = {
      op: 'list',
      collection: { type: 'kind', kind },
      filter: { categories: [], attributes: {} },
    };
    const result = await this.run(typeId(kind), 'list', op);
    if (result === UNKNOWN) return undefined;
    return shapeEntities(result, kind, this.registry, `list of ${typeId(kind)}`);
  }

  /** Kinds whose instances a collection holds, and an extra condition on them. */
  private kindsOf(collection: CollectionRef): { kinds: Kind[]; keep(e: Entity): boolean } {
    const registry = this.registry;
    const mapped = registry
      .all()
      .filter((c): c is Kind => c.class === 'kind' && !!this.rules(typeId(c), 'list'));
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

  /** The entities of a collection; undefined when not known before sending (explain). */
  private async list(collection: CollectionRef): Promise<Entity[] | undefined> {
    const { kinds, keep } = this.kindsOf(collection);
    if (kinds.length === 0 && collection.type === 'kind')
      throw notImplemented(`no backend rule maps the list of ${typeId(collection.kind)}`);
    const lists = await Promise.all(kinds.map((k) => this.listKind(k)));
    if (lists.includes(undefined)) return undefined;
    return (lists as Entity[][]).flat().filter(keep);
  }

  /** Explain: a stand-in for the members of a list whose answer is not known. */
  private pendingMembers(collection: CollectionRef): Entity[] {
    const kind = this.kindsOf(collection).kinds[0];
    if (!kind) return [];
    this.trace?.notes.push(
      `then, for each member of the list: the ${typeId(kind)} rule below, with {id} the member's id`,
    );
    return [
      {
        kind: typeId(kind),
        id: PENDING_ID,
        location: entityLocation(kind, PENDING_ID),
        mixins: [],
        attributes: {},
        actions: [],
        links: [],
      },
    ];
  }

  async execute(op: Operation): Promise<OperationResult> {
    switch (op.op) {
      case 'list': {
        const entities = ((await this.list(op.collection)) ?? []).filter((e) =>
          matchesFilter(e, op.filter, this.registry),
        );
        return { status: 200, document: { type: 'collection', entities } };
      }
      case 'get': {
        this.checkId(op.entity);
        const result = await this.run(typeId(op.entity.kind), 'get', op);
        return this.entityResult(200, result, op.entity.kind, `get of ${op.entity.location}`);
      }
      case 'create':
        return this.create(op);
      case 'update':
      case 'replace': {
        this.checkId(op.entity);
        const result = await this.run(typeId(op.entity.kind), op.op, op);
        return this.entityAfter(result, op.entity);
      }
      case 'delete':
        this.checkId(op.entity);
        await this.run(typeId(op.entity.kind), 'delete', op);
        return { status: 200, document: { type: 'ok' } };
      case 'action': {
        this.checkId(op.entity);
        const result = await this.run(typeId(op.entity.kind), 'action', op, typeId(op.input.action));
        if (result === undefined || result === null) return { status: 200, document: { type: 'ok' } };
        return this.entityAfter(result, op.entity);
      }
      case 'delete-all':
      case 'collection-action': {
        const listed = await this.list(op.collection);
        const members = (listed ?? this.pendingMembers(op.collection)).filter(
          (e) => !listed || matchesFilter(e, op.filter, this.registry),
        );
        await this.forEachMember(members, (e, kind) => {
          const entity = { kind, id: e.id, location: e.location };
          return op.op === 'delete-all'
            ? this.run(typeId(kind), 'delete', { op: 'delete', entity })
            : this.run(
                typeId(kind),
                'action',
                { op: 'action', entity, input: op.input },
                typeId(op.input.action),
              );
        });
        return { status: 200, document: { type: 'ok' } };
      }
      case 'associate':
      case 'dissociate':
        await this.run(typeId(op.mixin), op.op, op);
        return this.members(op.mixin);
      case 'set-members': {
        // Full update of a mixin collection: dissociate who is no longer listed, associate the rest.
        const listed = await this.list({ type: 'mixin', mixin: op.mixin });
        const wanted = new Set(
          op.locations.flatMap((l) => {
            const x = locate(this.registry, l);
            return x ? [`${x.kind}|${x.id}`] : [];
          }),
        );
        const current = listed ?? this.pendingMembers({ type: 'mixin', mixin: op.mixin });
        const gone = current.filter((e) => !wanted.has(`${e.kind}|${e.id}`)).map((e) => e.location);
        if (gone.length)
          await this.run(typeId(op.mixin), 'dissociate', {
            op: 'dissociate',
            mixin: op.mixin,
            locations: gone,
          });
        if (op.locations.length === 0) return { status: 200, document: { type: 'collection', entities: [] } };
        await this.run(typeId(op.mixin), 'associate', {
          op: 'associate',
          mixin: op.mixin,
          locations: op.locations,
        });
        return this.members(op.mixin);
      }
    }
  }

  private entityResult(status: number, result: Value, kind: Kind, what: string): OperationResult {
    const entity = this.entity(result, kind, what);
    if (!entity) return { status, document: { type: 'ok' } };
    return { status, document: { type: 'entity', entity } };
  }

  /**
   * A create: the kind's create rule, then each inline link through its link kind's own create
   * rule, with the new resource as source. If a link fails, the links made so far and the
   * resource are deleted again (by their delete rules), and the client gets the link's failure.
   */
  private async create(op: Extract<Operation, { op: 'create' }>): Promise<OperationResult> {
    const kind = op.input.kind;
    if (this.registry.isLinkKind(typeId(kind))) this.checkLinkCreate(kind, op.input.attributes);
    const links = op.input.links.map((l) => this.inlineLink(kind, l));
    // Each link's own rule is planned first, without sending: what it refuses is refused before
    // anything is made.
    for (const link of links) await this.planLink(link, entityLocation(kind, PENDING_ID));
    const result = await this.run(typeId(kind), 'create', op);
    const created = this.entity(result, kind, `create of ${typeId(kind)}`);
    if (!created && result !== UNKNOWN)
      throw new OcciError(502, `create of ${typeId(kind)}: the result is no entity`);
    const id = created?.id ?? PENDING_ID;
    const location = created?.location ?? entityLocation(kind, id);
    if (links.length && !created)
      this.trace?.notes.push('then, for each inline link: the link kind rule below, with {id} the new id');
    const made: Link[] = [];
    try {
      for (const link of links) {
        const { input, request } = this.linkRequest(link, location);
        const { rule, scope } = await this.rule(
          typeId(link.kind),
          'create',
          { op: 'create', input },
          undefined,
          request,
        );
        const raw = await runRule(rule, scope, this.ctx);
        const shaped = this.entity(raw, link.kind, `create of ${typeId(link.kind)}`);
        if (shaped) made.push(shaped as Link);
      }
    } catch (e) {
      await this.undoCreate(made, { kind, id, location });
      throw e;
    }
    const entity =
      created && made.length ? { ...created, links: [...(created as Resource).links, ...made] } : created;
    if (!entity) return { status: 201, document: { type: 'ok' } };
    return { status: 201, document: { type: 'entity', entity }, headers: { Location: entity.location } };
  }

  private linkRequest(link: InlineLink, source: string) {
    const input = { ...link.input, attributes: { ...link.input.attributes, 'occi.core.source': source } };
    return {
      input,
      request: requestDocument({ op: 'create', input }, this.registry, (l) => locate(this.registry, l)),
    };
  }

  /** Plans an inline link's create rule without sending anything; throws what the rule refuses. */
  private async planLink(link: InlineLink, source: string): Promise<void> {
    const { request } = this.linkRequest(link, source);
    // Nothing is sent: every answer is "not known", and what depends on one is not evaluated.
    const planning: RunContext = {
      ...this.ctx,
      backend: { send: async () => undefined, sleep: async () => {} },
    };
    const scope = await this.ruleScope(typeId(link.kind), request);
    const rule = await selectRule(this.rulesFor(typeId(link.kind), 'create'), scope, planning);
    if (!rule) throw notImplemented(`no backend rule maps the create of ${typeId(link.kind)}`);
    await runRule(rule, scope, planning);
  }

  /** Deletes what a failed create made (its links, newest first, then the resource), by their delete rules. */
  private async undoCreate(links: Link[], resource: EntityRef): Promise<void> {
    const entities: EntityRef[] = [];
    for (const link of [...links].reverse()) {
      const kind = this.registry.kind(link.kind);
      if (kind) entities.push({ kind, id: link.id, location: link.location });
    }
    entities.push(resource);
    for (const entity of entities) {
      const remove = () => this.run(typeId(entity.kind), 'delete', { op: 'delete', entity }).then(() => {});
      await remove().catch((e) =>
        this.ctx.backend.later?.(
          {
            kind: 'compensation',
            step: `delete of ${entity.location}`,
            call: `the delete rule of ${typeId(entity.kind)}`,
            origin: this.rules(typeId(entity.kind), 'delete')?.[0]?.origin ?? { file: '-', line: 0, col: 0 },
            error: e instanceof Error ? e.message : String(e),
          },
          remove,
        ),
      );
    }
  }

  /**
   * An inline link of a create, checked before anything is sent: its kind (given, or the one link
   * kind that joins this resource's kind to the target's), its target against the kinds that
   * kind declares, its mixins and attributes against the model.
   */
  private inlineLink(source: Kind, link: ParsedLink): InlineLink {
    const registry = this.registry;
    const target = locate(registry, link.target);
    if (!target) throw badRequest(`link target '${link.target}' is not an entity of this server`);
    const [kindId, ...mixinIds] = link.categories;
    let kind: Kind | undefined;
    if (kindId) {
      kind = registry.kind(kindId);
      if (!kind || !registry.isLinkKind(kindId))
        throw badRequest(`'${kindId}' is not a link kind known to this server`);
    } else {
      const joining = registry
        .all()
        .filter(
          (c): c is Kind =>
            c.class === 'kind' &&
            registry.isLinkKind(typeId(c)) &&
            joins(registry, c, typeId(source), target.kind),
        );
      // The most specific: core#link joins anything, a network interface only computes to networks.
      const fits = joining.filter((k) => !joining.some((o) => o !== k && registry.isA(typeId(o), typeId(k))));
      if (fits.length !== 1)
        throw badRequest(
          fits.length === 0
            ? `no link kind joins a ${source.term} to the target '${link.target}'`
            : `name the kind of the link to '${link.target}' (one of ${fits.map(typeId).join(', ')})`,
        );
      kind = fits[0]!;
    }
    checkLinkEnds(registry, kind, typeId(source), target.kind, link.target);
    const mixins = resolveMixins(
      mixinIds.map((m) => {
        const hash = m.lastIndexOf('#');
        return { scheme: m.slice(0, hash + 1), term: m.slice(hash + 1), rel: [] };
      }),
      kind,
      registry,
    );
    const attributes = checkAttributes(link.attributes, registry.effectiveAttributes(typeId(kind), mixins), {
      allowImmutable: new Set(['occi.core.source', 'occi.core.target']),
      context: `link kind '${typeId(kind)}'`,
    });
    return {
      kind,
      input: { kind, mixins, attributes: { ...attributes, 'occi.core.target': link.target }, links: [] },
    };
  }

  /** A link create names its ends by location: both must be entities of this server, of the kinds the link joins. */
  private checkLinkCreate(kind: Kind, attributes: Record<string, unknown>): void {
    const end = (name: string) => {
      const location = attributes[name];
      const found = typeof location === 'string' ? locate(this.registry, location) : undefined;
      if (!found)
        throw badRequest(
          `${name} must be the location of an entity of this server, not '${String(location)}'`,
        );
      return found;
    };
    const source = end('occi.core.source');
    const target = end('occi.core.target');
    checkLinkEnds(this.registry, kind, source.kind, target.kind, String(attributes['occi.core.target']));
  }

  /** The members of a mixin collection, as OCCI 1.2 wants after POST/PUT/DELETE on one. */
  private async members(mixin: Mixin): Promise<OperationResult> {
    const entities = (await this.list({ type: 'mixin', mixin })) ?? [];
    return { status: 200, document: { type: 'collection', entities } };
  }

  /** After an update or action: the entity the rule returned, or a fresh read of it. */
  private async entityAfter(result: Value, entity: EntityRef): Promise<OperationResult> {
    if (result && typeof result === 'object' && 'id' in result)
      return this.entityResult(200, result, entity.kind, `update of ${entity.location}`);
    const fresh = await this.run(typeId(entity.kind), 'get', { op: 'get', entity });
    return this.entityResult(200, fresh, entity.kind, `get of ${entity.location}`);
  }

  /** Runs an operation on each member, a few at a time; reports the first failure with a count. */
  private async forEachMember(members: Entity[], fn: (e: Entity, kind: Kind) => Promise<unknown>) {
    const failures: OcciError[] = [];
    const queue = [...members];
    const worker = async () => {
      for (let e = queue.shift(); e; e = queue.shift()) {
        const kind = this.registry.kind(e.kind);
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
}

/** Whether a link kind may join a source of this kind to a target of that kind (its declared ends). */
function joins(registry: CategoryRegistry, link: Kind, source: string, target: string): boolean {
  const fits = (ends: string[] | undefined, kind: string) => !ends || ends.some((k) => registry.isA(kind, k));
  return fits(link.source, source) && fits(link.target, target);
}

/** A link's ends must be of the kinds its link kind declares (OCCI Infrastructure). */
export function checkLinkEnds(
  registry: CategoryRegistry,
  link: Kind,
  source: string,
  target: string,
  targetLocation: string,
): void {
  const name = (ends: string[]) => ends.map((k) => registry.kind(k)?.term ?? k).join(' or ');
  if (link.source && !link.source.some((k) => registry.isA(source, k)))
    throw badRequest(`the source of a ${link.term} must be a ${name(link.source)}`);
  if (link.target && !link.target.some((k) => registry.isA(target, k)))
    throw badRequest(`the target of a ${link.term} must be a ${name(link.target)}, not '${targetLocation}'`);
}
