// Checks attribute values against their definitions; shared by the rule loader (defaults) and
// request validation.
import type { AttributeDefinition, AttributeValue } from './model.js';

/** Why a value does not fit a definition, or undefined when it does.  */
export function valueMismatch(def: AttributeDefinition, value: AttributeValue): string | undefined {
  switch (def.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (def.enum && !def.enum.includes(value)) return `must be one of ${def.enum.join(', ')}`;
      if (def.pattern && !matchesPattern(def.pattern, value)) return `must match ${def.pattern}`;
      return undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'must be an integer';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'array':
      return Array.isArray(value) ? undefined : 'must be an array';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? undefined
        : 'must be an object';
  }
}

const patterns = new Map<string, RegExp | null>();

/** Tests a value against a pattern, compiled once; an invalid pattern matches nothing (the loader reports it). */
function matchesPattern(pattern: string, value: string): boolean {
  let re = patterns.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = null;
    }
    patterns.set(pattern, re);
  }
  return re?.test(value) ?? false;
}
