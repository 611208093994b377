// Our schema of the OCCI 1.2 JSON rendering (schemas/occi-1.2-json.schema.json): it documents every
// definition, its examples are valid, it rejects documents the specification forbids, and the
// response check the HTTP helpers run picks the right definition and fails loudly.
import { describe, expect, it } from 'vitest';
import { occiJsonCorpus } from '../support/occi-json-corpus.js';
import {
  checkOcciJsonResponse,
  definitionOfResponse,
  OCCI_DEFINITIONS,
  OCCI_SCHEMA,
  type OcciDefinition,
  validateOcciJson,
} from '../support/occi-schema.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const kind = `${INFRA}compute`;
const defs = OCCI_SCHEMA.$defs;

describe('schemas/occi-1.2-json.schema.json', () => {
  it('is JSON Schema 2020-12 and names exactly the definitions the test helper knows', () => {
    expect(OCCI_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(defs).sort()).toEqual([...OCCI_DEFINITIONS].sort());
  });

  it('says what every definition is', () => {
    const undocumented = Object.entries(defs)
      .filter(([, d]) => typeof d.description !== 'string')
      .map(([name]) => name);
    expect(undocumented).toEqual([]);
  });

  const examples = Object.entries(defs).flatMap(([name, d]) =>
    (d.examples ?? []).map((example, i) => [`${name} #${i + 1}`, name as OcciDefinition, example] as const),
  );

  it('carries examples of the documents integrators exchange', () => {
    const illustrated = new Set(examples.map(([, name]) => name));
    for (const name of ['resource', 'link', 'action_invocation', 'kind', 'mixin', 'action', 'error'] as const)
      expect(illustrated, name).toContain(name);
  });

  it.each(examples)('example %s is valid against its definition', (_, name, example) => {
    expect(validateOcciJson(name, example)).toEqual([]);
  });

  it('the top level accepts every example of a document, and nothing that is only a part of one', () => {
    const documents = (OCCI_SCHEMA.anyOf as { $ref: string }[]).map((r) => r.$ref.replace('#/$defs/', ''));
    expect(documents).toContain('resource');
    for (const [title, name, example] of examples)
      if (documents.includes(name)) expect(validateOcciJson('document', example), title).toEqual([]);
    expect(validateOcciJson('document', { 'occi.compute.cores': 2 })).not.toEqual([]);
    expect(validateOcciJson('document', { mutable: true })).not.toEqual([]);
    expect(validateOcciJson('document', 42)).not.toEqual([]);
  });
});

describe('the corpus (test/support/occi-json-corpus.ts), which the official cross-check also reads', () => {
  it('is valid against our schema, and holds renderings, a 201, errors and the query interface', async () => {
    const corpus = await occiJsonCorpus();
    const invalid = corpus
      .map(
        ({ source, definition, document }) =>
          [source, definition, validateOcciJson(definition, document)] as const,
      )
      .filter(([, , errors]) => errors.length);
    expect(invalid).toEqual([]);
    const fromSession = corpus.filter((c) => c.source.startsWith('session'));
    expect(fromSession.map((c) => c.source)).toEqual(
      expect.arrayContaining([expect.stringContaining('(201)'), expect.stringContaining('(401)')]),
    );
    expect([...new Set(corpus.map((c) => c.definition))]).toEqual(
      expect.arrayContaining(['model', 'kind', 'mixin', 'action', 'resource', 'link', 'error']),
    );
  });
});

describe('the schema rejects what the specification forbids', () => {
  it('a resource without kind, or without id', () => {
    expect(validateOcciJson('resource', { id: 'urn:uuid:1', attributes: {} }).join('\n')).toMatch(
      /required property 'kind'/,
    );
    expect(validateOcciJson('resource', { kind })).not.toEqual([]);
  });

  it('a resource with a member GFD.226 does not declare', () => {
    const errors = validateOcciJson('resource', { kind, id: 'x', location: '/compute/x' });
    expect(errors.join('\n')).toMatch(/additional properties 'location'/);
  });

  it('an attribute whose value is null', () => {
    expect(validateOcciJson('resource', { kind, id: 'x', attributes: { a: null } })).not.toEqual([]);
  });

  it('a kind that is not a type identifier (no #term)', () => {
    expect(validateOcciJson('resource', { kind: 'compute', id: 'x' })).not.toEqual([]);
    expect(validateOcciJson('resource', { kind: `${INFRA}`, id: 'x' })).not.toEqual([]);
    expect(validateOcciJson('resource', { kind, id: 'x', mixins: ['medium'] })).not.toEqual([]);
  });

  it('a link without target, or with a target lacking its location', () => {
    const source = { location: '/compute/1' };
    expect(validateOcciJson('link', { kind, id: 'l', source })).not.toEqual([]);
    expect(validateOcciJson('link', { kind, id: 'l', source, target: { kind } })).not.toEqual([]);
    expect(validateOcciJson('link', { kind, id: 'l', source, target: { location: '' } })).not.toEqual([]);
  });

  it('a mixin without location; a kind without one, unless it is core#entity', () => {
    expect(validateOcciJson('mixin', { term: 'm', scheme: 'http://e.com/m#' })).not.toEqual([]);
    expect(validateOcciJson('kind', { term: 'k', scheme: 'http://e.com/k#' }).join('\n')).toMatch(
      /required property 'location'/,
    );
    expect(validateOcciJson('kind', { term: 'entity', scheme: 'http://schemas.ogf.org/occi/core#' })).toEqual(
      [],
    );
    expect(validateOcciJson('kind', { term: 'entity', scheme: 'http://e.com/k#' })).not.toEqual([]);
  });

  it("a collection location that does not end in '/', a scheme that does not end in '#', a bad term", () => {
    expect(validateOcciJson('kind', { term: 'k', scheme: 'http://e.com/k#', location: '/k' })).not.toEqual(
      [],
    );
    expect(validateOcciJson('mixin', { term: 'm', scheme: 'http://e.com/m', location: '/m/' })).not.toEqual(
      [],
    );
    expect(validateOcciJson('action', { term: 'two words', scheme: 'http://e.com/a#' })).not.toEqual([]);
    expect(validateOcciJson('action', { term: '', scheme: 'http://e.com/a#' })).not.toEqual([]);
  });

  it('an attribute description of an unknown type or with an undeclared member', () => {
    const withAttribute = (d: unknown) => ({ term: 'a', scheme: 'http://e.com/a#', attributes: { x: d } });
    expect(validateOcciJson('action', withAttribute({ type: 'string' }))).toEqual([]);
    expect(validateOcciJson('action', withAttribute({ type: 'integer' }))).not.toEqual([]);
    expect(validateOcciJson('action', withAttribute({ immutable: true }))).not.toEqual([]);
    expect(validateOcciJson('action', withAttribute({ pattern: '^a$' }))).not.toEqual([]);
  });

  it('an action invocation without action', () => {
    expect(validateOcciJson('action_invocation', { attributes: { method: 'graceful' } })).not.toEqual([]);
  });

  it('a collection of the wrong shape', () => {
    expect(validateOcciJson('resource_collection', { resources: [{ id: 'x' }] })).not.toEqual([]);
    expect(validateOcciJson('resource_collection', [])).not.toEqual([]);
    expect(validateOcciJson('model', { kinds: [{ term: 'k' }] })).not.toEqual([]);
    expect(validateOcciJson('model', { entities: [] })).not.toEqual([]);
  });

  it('a 201 body is a rendering or the locations of what was created, nothing else', () => {
    expect(validateOcciJson('created', '/compute/1')).toEqual([]);
    expect(validateOcciJson('created', ['/compute/1', '/compute/2'])).toEqual([]);
    expect(validateOcciJson('created', { kind, id: 'x' })).toEqual([]);
    expect(validateOcciJson('created', [1])).not.toEqual([]);
    expect(validateOcciJson('created', { location: '/compute/1' })).not.toEqual([]);
    expect(validateOcciJson('created', '')).not.toEqual([]);
  });

  it('an error body without a message, or with a status that is not an error', () => {
    expect(validateOcciJson('error', { error: { code: 404, message: 'no compute' } })).toEqual([]);
    expect(validateOcciJson('error', { error: { code: 404 } })).not.toEqual([]);
    expect(validateOcciJson('error', { error: { code: 200, message: 'fine' } })).not.toEqual([]);
  });
});

describe('checkOcciJsonResponse, run by the HTTP helpers on every response', () => {
  const json = (status: number, body: unknown) => ({
    status,
    contentType: 'application/occi+json',
    body: JSON.stringify(body),
  });

  it('picks the definition from the status and the members', () => {
    expect(definitionOfResponse(404, {})).toBe('error');
    expect(definitionOfResponse(201, '/compute/1')).toBe('created');
    expect(definitionOfResponse(200, { kind, id: 'x' })).toBe('resource');
    expect(definitionOfResponse(200, { kind, id: 'x', source: {} })).toBe('link');
    expect(definitionOfResponse(200, { resources: [] })).toBe('model');
    expect(definitionOfResponse(200, { term: 'k' })).toBe('document');
  });

  it('passes valid bodies, empty bodies and other media types', () => {
    expect(() => checkOcciJsonResponse(json(200, { kind, id: 'x' }))).not.toThrow();
    expect(() => checkOcciJsonResponse(json(400, { error: { code: 400, message: 'bad' } }))).not.toThrow();
    expect(() =>
      checkOcciJsonResponse({ status: 200, contentType: 'application/occi+json', body: '' }),
    ).not.toThrow();
    expect(() => checkOcciJsonResponse({ status: 200, contentType: 'text/plain', body: '{' })).not.toThrow();
  });

  it('throws, naming the definition and the fault, on an invalid body or one that is not JSON', () => {
    expect(() => checkOcciJsonResponse(json(200, { kind, id: 'x', location: '/x' }))).toThrow(
      /not a valid 'resource'[\s\S]*additional properties 'location'/,
    );
    expect(() => checkOcciJsonResponse(json(500, { message: 'oops' }))).toThrow(/not a valid 'error'/);
    expect(() =>
      checkOcciJsonResponse({ status: 200, contentType: 'application/occi+json', body: '{"kind":' }),
    ).toThrow(/is not JSON/);
  });
});
