// Validates rule-file data against schemas/mapping.schema.json (see schema-validator.ts) and turns every
// schema error into a positioned Problem.
import type { ErrorObject } from 'ajv/dist/2020.js';
import { type Problem, problem } from './problems.js';
import { validate } from './schema-validator.js';
import type { SourceFile } from './source-file.js';

function segments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(e: ErrorObject): { path: (string | number)[]; key: boolean; message: string } {
  const path = segments(e.instancePath);
  const where = e.instancePath === '' ? 'top level' : e.instancePath.slice(1).replace(/\//g, '.');
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      return { path: [...path, key], key: true, message: `unknown key '${key}' in ${where}` };
    }
    case 'required':
      return {
        path,
        key: false,
        message: `${where}: missing required key '${String(e.params.missingProperty)}'`,
      };
    case 'enum':
      return {
        path,
        key: false,
        message: `${where}: must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`,
      };
    case 'propertyNames':
      return {
        path: [...path, String(e.params.propertyName)],
        key: true,
        message: `${where}: invalid name '${String(e.params.propertyName)}'`,
      };
    default:
      return { path, key: false, message: `${where}: ${e.message ?? e.keyword}` };
  }
}

export interface SchemaCheck {
  problems: Problem[];
  /** Whether the value at a data path (and everything in it) is free of schema errors. */
  isValid(path: readonly (string | number)[]): boolean;
}

export function checkSchema(file: SourceFile): SchemaCheck {
  if (file.data === undefined || validate(file.data))
    return { problems: [], isValid: () => file.data !== undefined };
  const invalid: string[] = [];
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const e of validate.errors ?? []) {
    // propertyNames reports twice (the name, then the pattern): keep the first per location.
    if (e.keyword === 'pattern' && e.propertyName !== undefined) continue;
    const d = describe(e);
    invalid.push(e.instancePath);
    const key = `${d.path.join('/')}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem(file.positionOf(d.path, d.key), 'schema', d.message));
  }
  const isValid = (path: readonly (string | number)[]) => {
    const pointer = path.map((s) => `/${s}`).join('');
    // An error inside the value, or on a container of it (other than the file's top level).
    return !invalid.some((p) => p.startsWith(pointer) || (p !== '' && pointer.startsWith(`${p}/`)));
  };
  return { problems, isValid };
}
