// A lookup structure over categories: by type identifier and by location, with the derived
// relations the server needs (kind ancestry, effective attributes, what a category relates to).
// Registries layer: a per-request view adds user mixins and templates over the provider's model.
import type { Action, AttributeDefinition, Category, Kind, Mixin } from './model.js';
import { LINK, RESOURCE, typeId } from './model.js';

export class CategoryRegistry {
  private readonly byId = new Map<string, Category>();
  private readonly byLocation = new Map<string, Kind | Mixin>();

  constructor(
    categories: Iterable<Category>,
    private readonly base?: CategoryRegistry,
  ) {
    for (const category of categories) {
      this.byId.set(typeId(category), category);
      if (category.class !== 'action' && category.location) this.byLocation.set(category.location, category);
      if (category.class === 'kind')
        for (const alias of category.aliases ?? []) this.byLocation.set(alias, category);
    }
  }

  /** A registry with more categories over this one; lookups fall back to this. */
  extend(categories: Iterable<Category>): CategoryRegistry {
    return new CategoryRegistry(categories, this);
  }

  get(id: string): Category | undefined {
    return this.byId.get(id) ?? this.base?.get(id);
  }

  kind(id: string): Kind | undefined {
    const c = this.get(id);
    return c?.class === 'kind' ? c : undefined;
  }

  mixin(id: string): Mixin | undefined {
    const c = this.get(id);
    return c?.class === 'mixin' ? c : undefined;
  }

  action(id: string): Action | undefined {
    const c = this.get(id);
    return c?.class === 'action' ? c : undefined;
  }

  /** The kind or mixin whose collection is at this path (a kind's aliases included). */
  atLocation(path: string): Kind | Mixin | undefined {
    return this.byLocation.get(path) ?? this.base?.atLocation(path);
  }

  /** Every category, base ones first, each once (an upper layer shadows a lower one). */
  all(): Category[] {
    // Layers never change after construction, so the list is computed once.
    if (!this.allCache) {
      const seen = new Map<string, Category>();
      for (const c of this.base?.all() ?? []) seen.set(typeId(c), c);
      for (const [id, c] of this.byId) seen.set(id, c);
      this.allCache = [...seen.values()];
    }
    return this.allCache;
  }

  private allCache: Category[] | undefined;

  /** Only the categories of this layer (e.g. a user's own mixins). */
  own(): Category[] {
    return [...this.byId.values()];
  }

  /** The kind and its ancestors, nearest first. Stops on a cycle. */
  ancestry(kindId: string): Kind[] {
    const chain: Kind[] = [];
    const seen = new Set<string>();
    let id: string | undefined = kindId;
    while (id && !seen.has(id)) {
      seen.add(id);
      const kind = this.kind(id);
      if (!kind) break;
      chain.push(kind);
      id = kind.parent;
    }
    return chain;
  }

  isA(kindId: string, ancestorId: string): boolean {
    return this.ancestry(kindId).some((k) => typeId(k) === ancestorId);
  }

  /** Whether instances of this kind are links (as opposed to resources). */
  isLinkKind(kindId: string): boolean {
    return this.isA(kindId, LINK);
  }

  isResourceKind(kindId: string): boolean {
    return this.isA(kindId, RESOURCE);
  }

  /** A mixin and every mixin it depends on, transitively. */
  mixinClosure(mixinId: string): Mixin[] {
    const out: Mixin[] = [];
    const seen = new Set<string>();
    const visit = (id: string) => {
      if (seen.has(id)) return;
      seen.add(id);
      const m = this.mixin(id);
      if (!m) return;
      out.push(m);
      for (const d of m.depends) visit(d);
    };
    visit(mixinId);
    return out;
  }

  /** Every mixin that depends (transitively) on this one, e.g. all OS templates; computed once per id. */
  dependents(id: string): Mixin[] {
    let found = this.dependentsCache.get(id);
    if (!found) {
      found = this.all().filter(
        (c): c is Mixin => c.class === 'mixin' && typeId(c) !== id && this.dependsOn(typeId(c), id),
      );
      this.dependentsCache.set(id, found);
    }
    return found;
  }

  private readonly dependentsCache = new Map<string, Mixin[]>();

  /** Whether a mixin depends (transitively) on another, e.g. an image template on os_tpl. */
  dependsOn(mixinId: string, ancestorId: string): boolean {
    return this.mixinClosure(mixinId).some((m) => typeId(m) === ancestorId);
  }

  /** Whether a mixin may be applied to an entity of this kind (1.2 `applies`, inherited via depends). */
  appliesTo(mixinId: string, kindId: string): boolean {
    const applies = this.mixinClosure(mixinId).flatMap((m) => m.applies);
    if (applies.length === 0) return true;
    return applies.some((a) => this.isA(kindId, a));
  }

  /** Attribute definitions for an entity of this kind with these mixins; later ones override. */
  effectiveAttributes(kindId: string, mixinIds: readonly string[] = []): Map<string, AttributeDefinition> {
    const defs = new Map<string, AttributeDefinition>();
    for (const kind of this.ancestry(kindId).reverse()) for (const a of kind.attributes) defs.set(a.name, a);
    for (const id of mixinIds) {
      for (const m of this.mixinClosure(id).reverse()) {
        for (const a of m.attributes) defs.set(a.name, { ...defs.get(a.name), ...a });
      }
    }
    return defs;
  }

  /** Actions available on an entity of this kind with these mixins. */
  effectiveActions(kindId: string, mixinIds: readonly string[] = []): string[] {
    const actions = new Set<string>();
    for (const kind of this.ancestry(kindId)) for (const a of kind.actions) actions.add(a);
    for (const id of mixinIds)
      for (const m of this.mixinClosure(id)) for (const a of m.actions) actions.add(a);
    return [...actions];
  }

  /**
   * What a query-interface filter on this category returns: the category itself and the actions
   * it offers (needed to invoke them), and nothing else (OCCI 1.1: "only the complete rendering of
   * the requested Kinds or Mixins"; 1.2: "only Category instances related to the given Category").
   */
  filtered(id: string): Category[] {
    const category = this.get(id);
    if (!category) return [];
    const out: Category[] = [category];
    if (category.class !== 'action') {
      for (const a of category.actions) {
        const action = this.get(a);
        if (action) out.push(action);
      }
    }
    return out;
  }
}
