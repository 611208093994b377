// The validator of schemas/mapping.schema.json. Run from the sources (tests, tsx), Ajv compiles it
// when this module loads; the build (scripts/build.js) puts Ajv's standalone code, generated from
// the same schema with the same options, in place of this module, so that the installed command
// does not compile the schema at every start (a quarter of its start-up otherwise).
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { packagePath } from '../package-root.js';

/** scripts/build.js generates the standalone validator with these same options. */
const AJV_OPTIONS = { strict: true, allErrors: true } as const;

const schema = JSON.parse(readFileSync(packagePath('schemas', 'mapping.schema.json'), 'utf8'));
export const validate: ValidateFunction = new Ajv2020(AJV_OPTIONS).compile(schema);
