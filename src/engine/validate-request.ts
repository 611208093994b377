// Checks a parsed OCCI request against the model and turns it into typed operation input: the
// kind and mixins it names, its attributes coerced to their declared types, its inline links.
// Pure: every problem is a 400 naming the category or attribute at fault.
import type { ParsedCategory, ParsedLink, ParsedRequest } from '../rendering/parsed.js';
import { valueMismatch } from '../occi/attribute-values.js';
import { badRequest, forbiddenIn11 } from '../occi/errors.js';
import type { Action, AttributeDefinition, AttributeValue, Kind } from '../occi/model.js';
import { typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';

export interface EntityInput {
  kind: Kind;
  mixins: string[];
  attributes: Record<string, AttributeValue>;
  links: ParsedLink[];
}

/** Attributes a client may send even though they are immutable (clients such as rOCCI echo them). */
const ECHOED = new Set(['occi.core.id']);

/** Converts a text-rendered value to the declared type where that is unambiguous (lenient in). */
export function coerce(def: AttributeDefinition, value: AttributeValue): AttributeValue {
  if (
    (def.type === 'number' || def.type === 'integer') &&
    typeof value === 'string' &&
    /^-?\d+(\.\d+)?$/.test(value.trim())
  ) {
    return Number(value);
  }
  if (def.type === 'string' && (typeof value === 'number' || typeof value === 'boolean'))
    return String(value);
  if (def.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function describe(c: ParsedCategory): string {
  return typeId(c);
}

/**
 * Checks attributes against definitions: known, of the right type, mutable (unless `allowImmutable`
 * lists them). Returns the coerced attributes.
 */
export function checkAttributes(
  given: Record<string, AttributeValue>,
  defs: Map<string, AttributeDefinition>,
  options: {
    allowImmutable?: ReadonlySet<string>;
    context: string;
    /**
     * Updates: immutable attributes go here instead of being refused, to be compared with the
     * entity's (a client may send back what it read; only a change is refused).
     */
    immutable?: Record<string, AttributeValue>;
  },
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, raw] of Object.entries(given)) {
    const def = defs.get(name);
    if (!def) throw badRequest(`attribute '${name}' is not defined for ${options.context}`);
    const value = coerce(def, raw);
    const mismatch = valueMismatch(def, value);
    if (!def.mutable && !options.allowImmutable?.has(name) && (options.immutable || !ECHOED.has(name))) {
      if (!options.immutable) throw forbiddenIn11(`attribute '${name}' is immutable: the server manages it`);
      if (mismatch) throw badRequest(`attribute '${name}' ${mismatch}`);
      options.immutable[name] = value;
      continue;
    }
    if (mismatch) throw badRequest(`attribute '${name}' ${mismatch}`);
    out[name] = value;
  }
  return out;
}

/** Resolves the mixins a request names, checking each exists and applies to the kind. */
export function resolveMixins(
  categories: readonly ParsedCategory[],
  kind: Kind,
  registry: CategoryRegistry,
): string[] {
  const mixins: string[] = [];
  for (const c of categories) {
    const id = describe(c);
    const mixin = registry.mixin(id);
    if (!mixin) throw badRequest(`Category '${id}' is not a mixin known to this server`);
    if (!registry.appliesTo(id, typeId(kind)))
      throw forbiddenIn11(`mixin '${id}' does not apply to kind '${typeId(kind)}'`);
    if (!mixins.includes(id)) mixins.push(id);
  }
  return mixins;
}

/** Validates a create request (POST to a kind collection). */
export function validateCreate(
  parsed: ParsedRequest,
  expectedKind: Kind,
  registry: CategoryRegistry,
  /** A full update (PUT): immutable attributes are collected here rather than refused. */
  immutable?: Record<string, AttributeValue>,
): EntityInput {
  const kinds = parsed.categories.filter(
    (c) => c.class === 'kind' || (c.class === undefined && registry.kind(describe(c))),
  );
  if (kinds.length === 0)
    throw badRequest(`a create request needs the Category of kind '${typeId(expectedKind)}'`);
  if (kinds.length > 1)
    throw badRequest(`a create request names exactly one kind; got ${kinds.map(describe).join(', ')}`);
  const kindId = describe(kinds[0]!);
  if (kindId !== typeId(expectedKind)) {
    throw badRequest(
      `kind '${kindId}' cannot be created at ${expectedKind.location ?? 'this location'} (expects '${typeId(expectedKind)}')`,
    );
  }
  const actions = parsed.categories.filter((c) => c.class === 'action');
  if (actions.length)
    throw badRequest(`a create request cannot carry action Category '${describe(actions[0]!)}'`);
  const mixins = resolveMixins(
    parsed.categories.filter((c) => !kinds.includes(c)),
    expectedKind,
    registry,
  );
  const defs = registry.effectiveAttributes(kindId, mixins);
  const attributes = checkAttributes(parsed.attributes, defs, {
    context: `kind '${kindId}' with the given mixins`,
    ...(immutable ? { immutable } : {}),
  });
  const given = (name: string) =>
    attributes[name] !== undefined ||
    [...defs.values()].some((d) => d.aliasOf === name && attributes[d.name] !== undefined);
  for (const def of defs.values()) {
    if (def.required && !given(def.name) && def.default === undefined && !isCoreLinkEnd(def.name, parsed)) {
      throw badRequest(`attribute '${def.name}' is required`);
    }
  }
  return { kind: expectedKind, mixins, attributes, links: parsed.links };
}

/** occi.core.source/target may come as the JSON `source`/`target` members (already mapped) */
function isCoreLinkEnd(name: string, parsed: ParsedRequest): boolean {
  return (
    (name === 'occi.core.source' || name === 'occi.core.target') && parsed.attributes[name] !== undefined
  );
}

export interface ActionInput {
  action: Action;
  attributes: Record<string, AttributeValue>;
}

/** Validates an action invocation: the query's term must match the one action Category given. */
export function validateAction(
  parsed: ParsedRequest,
  term: string,
  available: readonly string[],
  registry: CategoryRegistry,
): ActionInput {
  const given = parsed.categories.filter(
    (c) => c.class === 'action' || (c.class === undefined && registry.action(describe(c))),
  );
  if (given.length === 0) throw badRequest(`action '${term}' needs its action Category in the request`);
  if (given.length > 1)
    throw badRequest(`an action request names exactly one action Category; got ${given.length}`);
  const id = describe(given[0]!);
  const action = registry.action(id);
  if (!action) throw badRequest(`Category '${id}' is not an action known to this server`);
  if (action.term !== term)
    throw badRequest(`query ?action=${term} does not match the action Category '${id}'`);
  if (!available.includes(id)) throw badRequest(`action '${id}' is not available here`);
  const defs = new Map(action.attributes.map((a) => [a.name, a]));
  // What clients send from habit and the action declares it tolerates is dropped, not refused.
  const sent = Object.fromEntries(
    Object.entries(parsed.attributes).filter(([n]) => defs.has(n) || !action.tolerates?.includes(n)),
  );
  const attributes = checkAttributes(sent, defs, { context: `action '${id}'` });
  for (const def of defs.values()) {
    if (def.required && attributes[def.name] === undefined)
      throw badRequest(`action attribute '${def.name}' is required`);
  }
  return { action, attributes };
}
