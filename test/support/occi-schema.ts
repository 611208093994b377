// Validates application/occi+json documents against the official OCCI 1.2 JSON schema
// (CESNET/occi-schemas, kept read-only in /work/shared/reference), repairing its known defects
// in memory: draft-04 `id`s, `#definitions/x` refs without the '/', and a top level that omits
// resources, links and action invocations (so callers name the definition they expect).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const SCHEMA_URL = new URL('../../../shared/reference/occi-json-schema/OCCI-schema.json', import.meta.url);
/** A stable $id for the repaired schema (the file's own `id` is a bare relative name). */
const SCHEMA_ID = 'http://schemas.ogf.org/occi/OCCI-schema.json';

export const OCCI_DEFINITIONS = [
  'array_of_strings',
  'kinded_uri',
  'resource',
  'action_invocation',
  'link',
  'kind',
  'mixin',
  'action',
  'resource_collection',
  'link_collection',
  'kind_collection',
  'mixin_collection',
  'action_collection',
  'attributes',
  'attribute_description',
  'model',
] as const;

export type OcciDefinition = (typeof OCCI_DEFINITIONS)[number];

type JsonNode = null | boolean | number | string | JsonNode[] | { [key: string]: JsonNode };

/** Directory of the schema files, for tests that read the examples next to it. */
export const OCCI_SCHEMA_DIR = new URL('./', SCHEMA_URL);

function readSchema(): { [key: string]: JsonNode } {
  const path = fileURLToPath(SCHEMA_URL);
  if (!existsSync(path)) {
    throw new Error(
      `OCCI JSON schema not found at ${path}: the shared reference directory (/work/shared) must be a sibling of the repository`,
    );
  }
  return JSON.parse(readFileSync(path, 'utf8')) as { [key: string]: JsonNode };
}

/**
 * Rewrites the draft-04 schema into one Ajv's draft-07 class accepts: `$ref`s get their missing
 * '/', and schema-id `id` keys go (Ajv would reject them as unknown keywords). `properties` maps
 * are walked by value only, so a property that happens to be called `id` (resources and links
 * have one) keeps its name.
 */
function repair(node: JsonNode, isPropertyMap = false): JsonNode {
  if (Array.isArray(node)) return node.map((n) => repair(n));
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: JsonNode } = {};
  for (const [key, value] of Object.entries(node)) {
    if (isPropertyMap) {
      out[key] = repair(value);
      continue;
    }
    if (key === '$schema' || (key === 'id' && typeof value === 'string')) continue;
    if (key === '$ref' && typeof value === 'string') {
      out[key] = value.replace(/^#definitions\//, '#/definitions/');
      continue;
    }
    const mapOfSchemas = key === 'properties' || key === 'patternProperties' || key === 'definitions';
    out[key] = repair(value, mapOfSchemas);
  }
  return out;
}

let compiled: Map<OcciDefinition, ValidateFunction> | undefined;

function validators(): Map<OcciDefinition, ValidateFunction> {
  if (compiled) return compiled;
  const schema = repair(readSchema()) as { [key: string]: JsonNode };
  schema.$id = SCHEMA_ID;
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  ajv.addSchema(schema);
  compiled = new Map();
  for (const name of OCCI_DEFINITIONS) {
    const validate = ajv.getSchema(`${SCHEMA_ID}#/definitions/${name}`);
    if (!validate) throw new Error(`OCCI JSON schema has no definition '${name}'`);
    compiled.set(name, validate);
  }
  return compiled;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(top level)' : e.instancePath;
  const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
  return `${where} ${e.message ?? e.keyword}${extra}`;
}

/** Validates `value` against one definition of the OCCI schema; returns the errors (none when valid). */
export function validateOcciJson(definition: OcciDefinition, value: unknown): string[] {
  const validate = validators().get(definition);
  if (!validate) throw new Error(`unknown OCCI schema definition '${definition}'`);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(describe);
}
