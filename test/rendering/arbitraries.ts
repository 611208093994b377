// fast-check arbitraries for the rendering properties: OCCI terms, schemes and type identifiers,
// hostile text (quotes, escapes, separators, control and non-ASCII characters, lone surrogates),
// attribute values, categories and entities over the shipped Infrastructure model.
import fc from 'fast-check';
import type {
  Action,
  AttributeDefinition,
  AttributeValue,
  Category,
  Kind,
  Link,
  Mixin,
  Resource,
} from '../../src/occi/model.js';
import type { CategoryRegistry } from '../../src/occi/registry.js';

/** Characters that have a meaning in the text renderings or in HTTP, and a few awkward others. */
const TRICKY = [
  '"',
  '\\',
  ',',
  ';',
  '=',
  ':',
  '<',
  '>',
  '{',
  '}',
  '#',
  ' ',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\0',
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u00e9',
  '\u2028',
  '\ufeff',
  '\ud800',
  '\udfff',
  '😀',
  'u',
  '0',
  '\\u0041',
  '\\n',
];

const textUnit = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
);

/** Any text: every UTF-16 code unit can appear, the troublesome ones often. */
export const anyText = fc.string({ unit: textUnit, maxLength: 30 });

/** Strings that a careless parser would turn into numbers or booleans. */
const lookalikes = fc.oneof(
  fc.constantFrom('true', 'false', '1', '-0', '0.5', '.5', '1e5', '-1.5E-3', '007', '1.', ''),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
);

export const anyString = fc.oneof({ weight: 3, arbitrary: anyText }, { weight: 1, arbitrary: lookalikes });

/** OCCI 1.2 term. */
export const term = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/);

/** Attribute names as the text grammar allows them; `__proto__` and friends included on purpose. */
export const attributeName = fc.oneof(
  { weight: 10, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,6}(\.[a-z0-9_][a-z0-9_-]{0,6}){0,3}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'method'),
  },
);

/** A URI-like scheme ending in '#', safe to place in whitespace-separated lists. */
export const uriScheme = fc
  .tuple(fc.constantFrom('http', 'https', 'urn'), fc.stringMatching(/^[A-Za-z0-9._~/-]{0,20}$/))
  .map(([s, rest]) => (s === 'urn' ? `urn:${rest}#` : `${s}://${rest}#`));

/** A scheme with anything in it, as long as it ends in '#'. */
export const anyScheme = fc.oneof(
  uriScheme,
  anyText.map((s) => `${s}#`),
);

export const typeIdentifier = fc.tuple(uriScheme, term).map(([s, t]) => s + t);

/** A path made only of URI unreserved characters: renderers put locations on the wire unquoted. */
export const pathLocation = fc
  .array(fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/), { minLength: 1, maxLength: 3 })
  .map((segments) => `/${segments.join('/')}`);

const finiteNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e21, -1e-7, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER + 2),
);

/** Values the text renderings can carry: strings, finite numbers, booleans. */
export const scalarValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  { weight: 3, arbitrary: anyString },
  { weight: 1, arbitrary: finiteNumber },
  { weight: 1, arbitrary: fc.boolean() },
);

/** Values the JSON rendering can carry: scalars, arrays and objects of them (never null). */
export const jsonValue: fc.Arbitrary<AttributeValue> = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarValue,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(anyText, attributeName), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Attribute maps keyed by non-core names (core ones are rendered from the entity's own fields). */
export function attributeMap(value: fc.Arbitrary<AttributeValue>, names = attributeName) {
  return fc
    .array(fc.tuple(names, value), { maxLength: 6 })
    .map((pairs) =>
      Object.fromEntries(pairs.filter(([name]) => !name.startsWith('occi.core.'))),
    ) as fc.Arbitrary<Record<string, AttributeValue>>;
}

/** Keys that the official schema's attribute_description would also read as a single description. */
const DESCRIPTION_KEYS = new Set(['mutable', 'required', 'type', 'default', 'description', 'pattern']);

const attributeDefinition: fc.Arbitrary<AttributeDefinition> = fc
  .record(
    {
      name: attributeName.filter((n) => !DESCRIPTION_KEYS.has(n)),
      type: fc.constantFrom('string', 'number', 'integer', 'boolean'),
      mutable: fc.boolean(),
      required: fc.boolean(),
      default: fc.oneof(anyString, finiteNumber, fc.boolean()),
      description: anyText,
      pattern: fc.constantFrom('^[a-z]+$', '\\S+', '.*'),
      enum: fc.array(anyText, { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: ['name', 'type', 'mutable', 'required'] },
  )
  .map((d) => d as AttributeDefinition);

const attributeDefinitions = fc.uniqueArray(attributeDefinition, { maxLength: 4, selector: (d) => d.name });
const optionalText = fc.option(anyText, { nil: undefined });

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export const kind: fc.Arbitrary<Kind> = fc
  .record({
    term,
    scheme: anyScheme,
    title: optionalText,
    attributes: attributeDefinitions,
    parent: fc.option(typeIdentifier, { nil: undefined }),
    actions: fc.array(typeIdentifier, { maxLength: 3 }),
    location: optionalText,
  })
  .map((k) => withoutUndefined({ class: 'kind' as const, ...k }));

export const mixin: fc.Arbitrary<Mixin> = fc
  .record({
    term,
    scheme: anyScheme,
    title: optionalText,
    attributes: attributeDefinitions,
    depends: fc.array(typeIdentifier, { maxLength: 3 }),
    applies: fc.array(typeIdentifier, { maxLength: 3 }),
    actions: fc.array(typeIdentifier, { maxLength: 3 }),
    location: anyText,
  })
  .map((m) => withoutUndefined({ class: 'mixin' as const, ...m }));

export const action: fc.Arbitrary<Action> = fc
  .record({ term, scheme: anyScheme, title: optionalText, attributes: attributeDefinitions })
  .map((a) => withoutUndefined({ class: 'action' as const, ...a }));

export const category: fc.Arbitrary<Category> = fc.oneof(kind, mixin, action);

/** A collection location as the rule loader accepts one (it ends in '/', as OCCI requires). */
export const collectionLocation = pathLocation.map((p) => `${p}/`);

/**
 * Categories as a server holds them: kinds and mixins have a collection location (the rule
 * loader refuses any other), while `category` also covers what a client might send.
 */
export const servedCategory: fc.Arbitrary<Category> = fc
  .tuple(category, collectionLocation)
  .map(([c, location]) => (c.class === 'action' ? c : { ...c, location }));

/** Entities whose kinds and mixins come from the registry, plus unregistered mixins. */
export function entities(registry: CategoryRegistry, value: fc.Arbitrary<AttributeValue>) {
  const ids = (cls: Category['class'], pred: (id: string) => boolean = () => true) =>
    registry
      .all()
      .filter((c) => c.class === cls)
      .map((c) => c.scheme + c.term)
      .filter(pred);
  const resourceKinds = ids('kind', (id) => registry.isResourceKind(id));
  const linkKinds = ids('kind', (id) => registry.isLinkKind(id));
  const mixinIds = fc.uniqueArray(fc.oneof(fc.constantFrom(...ids('mixin')), typeIdentifier), {
    maxLength: 3,
  });
  const actionIds = fc.uniqueArray(fc.oneof(fc.constantFrom(...ids('action')), typeIdentifier), {
    maxLength: 3,
  });
  const kinded = fc.record(
    { location: pathLocation, kind: fc.constantFrom(...resourceKinds) },
    { requiredKeys: ['location'] },
  );
  // A Link's own text rendering cannot hold an attribute called __proto__ (see the report).
  const linkAttributeName = attributeName.filter((n) => n !== '__proto__');

  const link: fc.Arbitrary<Link> = fc
    .record({
      kind: fc.constantFrom(...linkKinds),
      mixins: mixinIds,
      id: anyText,
      location: pathLocation,
      title: optionalText,
      attributes: attributeMap(value, linkAttributeName),
      actions: actionIds,
      source: kinded,
      target: kinded,
    })
    .map((l) => withoutUndefined(l));

  const resource: fc.Arbitrary<Resource> = fc
    .record({
      kind: fc.constantFrom(...resourceKinds),
      mixins: mixinIds,
      id: anyText,
      location: pathLocation,
      title: optionalText,
      summary: optionalText,
      attributes: attributeMap(value),
      actions: actionIds,
      links: fc.array(link, { maxLength: 2 }),
    })
    .map((r) => withoutUndefined(r));

  return { resource, link, entity: fc.oneof(resource, link) };
}
