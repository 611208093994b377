// Validates application/occi+json documents against the project's own schema of the OCCI 1.2 JSON
// rendering (schemas/occi-1.2-json.schema.json), so the suite needs nothing outside the repository.
// Tests name the definition they expect; the HTTP helpers check every JSON body the server sends
// with `checkOcciJsonResponse`. (test/schema/official-schema.test.ts compares our schema with the
// official one, where a copy of that sits beside the checkout.)
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

export const OCCI_SCHEMA_URL = new URL('../../schemas/occi-1.2-json.schema.json', import.meta.url);

export type JsonSchemaNode = { [key: string]: unknown };

/** The schema as a JSON value (tests read the examples it carries). */
export const OCCI_SCHEMA = JSON.parse(readFileSync(OCCI_SCHEMA_URL, 'utf8')) as JsonSchemaNode & {
  $id: string;
  $defs: Record<string, JsonSchemaNode & { examples?: unknown[] }>;
};

export const OCCI_DEFINITIONS = [
  'term',
  'scheme',
  'type_identifier',
  'type_identifiers',
  'location',
  'collection_location',
  'attribute_value',
  'attributes',
  'attribute_description',
  'attribute_descriptions',
  'kinded_location',
  'resource',
  'link',
  'action_invocation',
  'kind',
  'mixin',
  'action',
  'resource_collection',
  'link_collection',
  'kind_collection',
  'mixin_collection',
  'action_collection',
  'model',
  'entity_location',
  'entity_locations',
  'created',
  'error',
] as const;

export type OcciDefinition = (typeof OCCI_DEFINITIONS)[number];

/** The top level: any document of the rendering, or an error. */
export type OcciDocumentSchema = OcciDefinition | 'document';

let compiled: Map<OcciDocumentSchema, ValidateFunction> | undefined;

function validators(): Map<OcciDocumentSchema, ValidateFunction> {
  if (compiled) return compiled;
  // Strict: a keyword Ajv does not know, or a $ref to nothing, fails here rather than passing
  // silently. strictRequired is off because the Kind's `else: { required: [location] }` names a
  // property declared beside the `if`, which that check does not see.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  const top = ajv.compile(OCCI_SCHEMA);
  compiled = new Map([['document', top]]);
  for (const name of OCCI_DEFINITIONS) {
    const validate = ajv.getSchema(`${OCCI_SCHEMA.$id}#/$defs/${name}`);
    if (!validate) throw new Error(`${OCCI_SCHEMA_URL.pathname} has no definition '${name}'`);
    compiled.set(name, validate);
  }
  return compiled;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(top level)' : e.instancePath;
  const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
  return `${where} ${e.message ?? e.keyword}${extra}`;
}

/** Validates `value` against one definition of our schema; returns the errors (none when valid). */
export function validateOcciJson(definition: OcciDocumentSchema, value: unknown): string[] {
  const validate = validators().get(definition);
  if (!validate) throw new Error(`unknown OCCI schema definition '${definition}'`);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(describe);
}

/**
 * The definition a response body must satisfy, from its status and shape: an error for 4xx/5xx,
 * the locations a 201 may carry, and otherwise the document its members announce (so a failure
 * reports the errors of the definition meant, not of every alternative of the top level).
 */
export function definitionOfResponse(status: number, body: unknown): OcciDocumentSchema {
  if (status >= 400) return 'error';
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return status === 201 ? 'created' : 'document';
  const has = (key: string) => key in body;
  if (has('kind')) return has('source') || has('target') ? 'link' : 'resource';
  if (has('action')) return 'action_invocation';
  if (has('term')) return 'document';
  return 'model';
}

/**
 * Throws when an application/occi+json response body is not valid against our schema. Called by
 * the suite's HTTP helpers on every OCCI response, so that every JSON body a test sees is checked.
 */
export function checkOcciJsonResponse(response: { status: number; contentType: string; body: string }): void {
  if (response.contentType !== 'application/occi+json' || response.body === '') return;
  let doc: unknown;
  try {
    doc = JSON.parse(response.body);
  } catch {
    throw new Error(
      `a ${response.status} application/occi+json body is not JSON: ${response.body.slice(0, 200)}`,
    );
  }
  const definition = definitionOfResponse(response.status, doc);
  const errors = validateOcciJson(definition, doc);
  if (errors.length) {
    throw new Error(
      `a ${response.status} application/occi+json body is not a valid '${definition}' (${OCCI_SCHEMA_URL.pathname}):\n` +
        `${errors.join('\n')}\n${response.body.slice(0, 500)}`,
    );
  }
}
