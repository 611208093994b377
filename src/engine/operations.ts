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
import { isLink, typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { ParsedLink } from '../rendering/parsed.js';
import { changesAttributes, checkUnchanged, existingLink } from './entity-changes.js';
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

  /**
   * An entity a client names in a request (a mixin member, a link end): a location of this server
   * below a kind, with an id its kind's idPattern allows, so that no backend path is built from
   * anything else. 400 naming it otherwise.
   */
  private located(location: string, where: string): { kind: string; id: string } {
    const found = locate(this.registry, location);
    if (!found) throw badRequest(`${where} '${location}' is not the location of an entity of this server`);
    const pattern = this.ruleSet.mapping.entities.get(found.kind)?.idPattern;
    if (pattern && found.id !== PENDING_ID && !pattern.test(found.id)) {
      const term = this.registry.kind(found.kind)?.term ?? found.kind;
      throw badRequest(`${where} '${location}' names no ${term}: '${found.id}' cannot be the id of one`);
    }
    return found;
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
  private kindsOf(
    collection: CollectionRef,
    bulkDelete = false,
  ): { kinds: Kind[]; keep(e: Entity): boolean } {
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
    const path = collection.path;
    const located = mapped.filter((k) => k.location?.startsWith(path));
    // A path above mixin collections (`/mixin/`) lists their members too; a DELETE deletes only
    // the instances of kinds located below it (a mixin collection's DELETE is a dissociation).
    const mixins = bulkDelete
      ? []
      : registry
          .all()
          .filter((c): c is Mixin => c.class === 'mixin' && c.location.startsWith(path))
          .map(typeId);
    const members = mapped.filter(
      (k) => !located.includes(k) && mixins.some((m) => registry.appliesTo(m, typeId(k))),
    );
    return {
      kinds: [...located, ...members],
      keep: (e) =>
        located.some((k) => registry.isA(e.kind, typeId(k))) || e.mixins.some((m) => mixins.includes(m)),
    };
  }

  /** The entities of a collection; undefined when not known before sending (explain). */
  private async list(collection: CollectionRef, bulkDelete = false): Promise<Entity[] | undefined> {
    const { kinds, keep } = this.kindsOf(collection, bulkDelete);
    if (kinds.length === 0 && collection.type === 'kind')
      throw notImplemented(`no backend rule maps the list of ${typeId(collection.kind)}`);
    const lists = await Promise.all(kinds.map((k) => this.listKind(k)));
    if (lists.includes(undefined)) return undefined;
    return (lists as Entity[][]).flat().filter(keep);
  }

  /** Explain: a runner whose calls are shown as made once per member of a list not known yet. */
  private perMember(): OperationRunner {
    const inner = this.ctx.backend;
    const send: RunContext['backend']['send'] = (call) => {
      call.pending = { ...call.pending, forEach: 'the members of the list above' };
      return inner.send(call);
    };
    const ctx = { ...this.ctx, backend: { ...inner, send } };
    return new OperationRunner(this.ruleSet, this.registry, this.scope, ctx, this.trace);
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
      case 'replace':
        this.checkId(op.entity);
        return this.update(op);
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
        const listed = await this.list(op.collection, op.op === 'delete-all');
        const members = (listed ?? this.pendingMembers(op.collection)).filter(
          (e) => !listed || matchesFilter(e, op.filter, this.registry),
        );
        // Explain: the per-member calls are made only if the list has members.
        const runner = listed ? this : this.perMember();
        if (op.op === 'collection-action') {
          await this.forEachMember(members, (e, kind) =>
            runner.run(
              typeId(kind),
              'action',
              { op: 'action', entity: { kind, id: e.id, location: e.location }, input: op.input },
              typeId(op.input.action),
            ),
          );
          return { status: 200, document: { type: 'ok' } };
        }
        // What uses something goes first: links (one at a time: a backend may do one change to a
        // resource at once), then the resources links start from (computes, whose delete rules
        // wait for them to be gone when `bulk`), then the rest. A member that is already gone
        // (404, e.g. a root volume deleted with its server) is deleted; one the backend will not
        // let the user delete (403, e.g. a public network) is not theirs: skipped.
        for (const [phase, concurrency] of this.deletePhases(members)) {
          await this.forEachMember(
            phase,
            (e, kind) =>
              runner.run(typeId(kind), 'delete', {
                op: 'delete',
                entity: { kind, id: e.id, location: e.location },
                bulk: true,
              }),
            (err) => err.status === 404 || err.status === 403,
            concurrency,
          );
        }
        return { status: 200, document: { type: 'ok' } };
      }
      case 'associate':
      case 'dissociate':
        for (const l of op.locations) this.located(l, 'X-OCCI-Location');
        await this.run(typeId(op.mixin), op.op, op);
        return this.members(op.mixin);
      case 'set-members': {
        for (const l of op.locations) this.located(l, 'X-OCCI-Location');
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
          await (listed ? this : this.perMember()).run(typeId(op.mixin), 'dissociate', {
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
        const shaped = await this.makeLink(link, location);
        if (shaped) made.push(shaped);
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

  /** The entity as its kind's get rule reads it; undefined when not known before sending (explain). */
  private async current(entity: EntityRef): Promise<Entity | undefined> {
    const raw = await this.run(typeId(entity.kind), 'get', { op: 'get', entity });
    return this.entity(raw, entity.kind, `get of ${entity.location}`);
  }

  /**
   * A partial (POST) or full (PUT) update. Clients send back what they read, so it is compared
   * with the entity first (read by its get rule): unchanged immutable attributes and the links it
   * has are fine, a changed immutable attribute is refused. What the kind's update rule does not
   * cover is composed here from the other rules: mixins whose membership rules exist (user
   * mixins) are associated, and on PUT dissociated when left out; new links of a POST are made by
   * their link kinds' create rules (a PUT may not make links: OCCI says 400). An update that
   * changes nothing answers the entity without running the update rule.
   */
  private async update(op: Extract<Operation, { op: 'update' | 'replace' }>): Promise<OperationResult> {
    const { entity } = op;
    const replace = op.op === 'replace';
    const given = replace ? op.input : op;
    const immutable = op.immutable ?? {};
    const needsCurrent = replace || given.links.length > 0 || Object.keys(immutable).length > 0;
    const current = needsCurrent ? await this.current(entity) : undefined;
    if (current) checkUnchanged(immutable, current, this.registry);
    const links =
      current && !isLink(current)
        ? given.links.filter((l) => !existingLink(l, current, this.registry))
        : given.links;
    if (replace && links.length)
      throw badRequest(
        `a full update (PUT) cannot create links: '${links[0]!.target}' is not linked to ${entity.location}; create the link in its collection`,
      );
    const member = (m: string, operation: 'associate' | 'dissociate') =>
      !!this.rulesFor(m, operation)?.length;
    const associate = given.mixins.filter((m) => member(m, 'associate') && !current?.mixins.includes(m));
    const dissociate =
      replace && current
        ? current.mixins.filter((m) => member(m, 'dissociate') && !given.mixins.includes(m))
        : [];
    // What the request asks of the kind's update rule: its mixins (other than memberships) and
    // attributes, when they differ from the entity's.
    const ruled = given.mixins.filter((m) => !member(m, 'associate'));
    const unchanged =
      current !== undefined &&
      ruled.every((m) => current.mixins.includes(m)) &&
      !changesAttributes(given.attributes, current);
    const inline = links.map((l) => this.inlineLink(entity.kind, l));
    for (const link of inline) await this.planLink(link, entity.location);
    let result: Value;
    if (!unchanged) {
      const ruleOp: Operation = replace ? { ...op, input: { ...op.input, links: [] } } : { ...op, links: [] };
      result = await this.run(typeId(entity.kind), op.op, ruleOp);
    }
    for (const [ids, operation] of [
      [associate, 'associate'],
      [dissociate, 'dissociate'],
    ] as const) {
      for (const id of ids) {
        const mixin = this.registry.mixin(id);
        if (mixin) await this.run(id, operation, { op: operation, mixin, locations: [entity.location] });
      }
    }
    for (const link of inline) await this.makeLink(link, entity.location);
    const composed = associate.length + dissociate.length + inline.length > 0;
    if (unchanged && !composed) return { status: 200, document: { type: 'entity', entity: current } };
    // After composed changes the entity is read again; else the rule's result (or a fresh read).
    return this.entityAfter(composed ? undefined : result, entity);
  }

  /** Makes a link from `source` by its link kind's own create rule; the link made, when known. */
  private async makeLink(link: InlineLink, source: string): Promise<Link | undefined> {
    const { input, request } = this.linkRequest(link, source);
    const { rule, scope } = await this.rule(
      typeId(link.kind),
      'create',
      { op: 'create', input },
      undefined,
      request,
    );
    const raw = await runRule(rule, scope, this.ctx);
    return this.entity(raw, link.kind, `create of ${typeId(link.kind)}`) as Link | undefined;
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
    const target = this.located(link.target, 'link target');
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
      if (typeof location !== 'string')
        throw badRequest(
          `${name} must be the location of an entity of this server, not '${String(location)}'`,
        );
      return this.located(location, name);
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

  /**
   * The members of a bulk delete in the order they can go, each phase with its concurrency:
   * links (those whose source is not deleted too: a resource's delete removes its links), the
   * resources links start from, the rest.
   */
  private deletePhases(members: Entity[]): [Entity[], number][] {
    const registry = this.registry;
    const sources = registry
      .all()
      .flatMap((c) => (c.class === 'kind' && registry.isLinkKind(typeId(c)) ? (c.source ?? []) : []));
    const isSource = (e: Entity) => sources.some((k) => registry.isA(e.kind, k));
    const resources = members.filter((e) => !isLink(e));
    const deleted = new Set(resources.map((e) => e.location));
    const links = members.filter((e): e is Link => isLink(e) && !deleted.has(e.source.location));
    const phases: [Entity[], number][] = [
      [links, 1],
      [resources.filter(isSource), 4],
      [resources.filter((e) => !isSource(e)), 4],
    ];
    return phases.filter(([p]) => p.length > 0);
  }

  /**
   * Runs an operation on each member, a few at a time; reports the first failure with a count.
   * Failures `ignored` accepts do not count (a bulk delete's 404s and 403s).
   */
  private async forEachMember(
    members: Entity[],
    fn: (e: Entity, kind: Kind) => Promise<unknown>,
    ignored: (e: OcciError) => boolean = () => false,
    concurrency = 4,
  ) {
    const failures: OcciError[] = [];
    const queue = [...members];
    const worker = async () => {
      for (let e = queue.shift(); e; e = queue.shift()) {
        const kind = this.registry.kind(e.kind);
        if (!kind) continue;
        try {
          await fn(e, kind);
        } catch (err) {
          const error = err instanceof OcciError ? err : new OcciError(502, String(err));
          if (!ignored(error)) failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
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
