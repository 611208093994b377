// The schema helper itself: it must accept the official example messages (where they are valid)
// against the definition each one illustrates, and reject documents that are plainly wrong.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OCCI_SCHEMA_DIR, type OcciDefinition, validateOcciJson } from '../support/occi-schema.js';

const EXAMPLES = new URL('examples/', OCCI_SCHEMA_DIR);
const readExample = (file: string) => readFileSync(new URL(file, EXAMPLES), 'utf8');

/** Each example file and the definition it is an instance of. */
const VALID_EXAMPLES: [file: string, definition: OcciDefinition][] = [
  ['action_invocation.json', 'action_invocation'],
  ['actions.json', 'action_collection'],
  ['attribute.json', 'attributes'],
  ['attribute_description.json', 'attribute_description'],
  ['links.json', 'link_collection'],
  ['mixin.json', 'mixin'],
  ['mixin_collection.json', 'mixin_collection'],
  // Schema-wise fine; its `#resourcetpl` is the spec's typo for `#resource_tpl`.
  ['mixins.json', 'mixin_collection'],
  ['resources.json', 'resource_collection'],
];

/**
 * Errata: these two examples are not JSON at all. Their hostname pattern is written "\S+" (an
 * invalid JSON escape; "\\S+" was meant), so every JSON parser rejects the files.
 */
const BROKEN_JSON_EXAMPLES: [file: string, definition: OcciDefinition][] = [
  ['kinds.json', 'kind_collection'],
  ['model.json', 'model'],
];

describe('validateOcciJson on the official examples', () => {
  it.each(VALID_EXAMPLES)('accepts %s as %s', (file, definition) => {
    expect(validateOcciJson(definition, JSON.parse(readExample(file)))).toEqual([]);
  });

  it.each(BROKEN_JSON_EXAMPLES)('%s is invalid JSON (erratum "\\S+"), skipped', (file) => {
    expect(() => JSON.parse(readExample(file))).toThrow(SyntaxError);
  });

  it.each(BROKEN_JSON_EXAMPLES)('accepts %s as %s once its "\\S+" escape is repaired', (file, definition) => {
    const repaired = readExample(file).replaceAll('"\\S+"', '"\\\\S+"');
    expect(validateOcciJson(definition, JSON.parse(repaired))).toEqual([]);
  });

  it('accepts the resource and link inside the examples against the single-entity definitions', () => {
    const { resources } = JSON.parse(readExample('resources.json')) as { resources: unknown[] };
    const { links } = JSON.parse(readExample('links.json')) as { links: unknown[] };
    expect(validateOcciJson('resource', resources[0])).toEqual([]);
    expect(validateOcciJson('link', links[0])).toEqual([]);
  });
});

describe('validateOcciJson rejects invalid documents', () => {
  const kind = 'http://schemas.ogf.org/occi/infrastructure#compute';

  it('a resource without kind', () => {
    const errors = validateOcciJson('resource', { id: 'urn:uuid:1', attributes: {} });
    expect(errors.join('\n')).toMatch(/required property 'kind'/);
  });

  it('a resource without id', () => {
    expect(validateOcciJson('resource', { kind })).not.toEqual([]);
  });

  it('a resource with an unknown member', () => {
    const errors = validateOcciJson('resource', { kind, id: 'x', location: '/compute/x' });
    expect(errors.join('\n')).toMatch(/additional properties 'location'/);
  });

  it('an attribute value that is null', () => {
    expect(validateOcciJson('resource', { kind, id: 'x', attributes: { a: null } })).not.toEqual([]);
  });

  it('a link without target, or with a target lacking its location', () => {
    const source = { location: '/compute/1' };
    expect(validateOcciJson('link', { kind, id: 'l', source })).not.toEqual([]);
    expect(validateOcciJson('link', { kind, id: 'l', source, target: { kind } })).not.toEqual([]);
  });

  it('a mixin without location (the schema requires one, unlike kinds)', () => {
    expect(validateOcciJson('mixin', { term: 'm', scheme: 'http://e.com/m#' })).not.toEqual([]);
    expect(validateOcciJson('kind', { term: 'k', scheme: 'http://e.com/k#' })).toEqual([]);
  });

  it('an action invocation without action', () => {
    expect(validateOcciJson('action_invocation', { attributes: { method: 'graceful' } })).not.toEqual([]);
  });

  it('a collection of the wrong shape', () => {
    expect(validateOcciJson('resource_collection', { resources: [{ id: 'x' }] })).not.toEqual([]);
    expect(validateOcciJson('resource_collection', [])).not.toEqual([]);
    expect(validateOcciJson('model', { kinds: [{ term: 'k' }] })).not.toEqual([]);
  });
});
