// The rule-file schema is for people and editors: every key must say what it is and show an example,
// and every shipped rule file must point editors at it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import schema from '../../schemas/mapping.schema.json' with { type: 'json' };

type Node = { [key: string]: unknown };

function undocumented(): string[] {
  const defs = schema.$defs as Record<string, Node>;
  const missing: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    for (const [key, value] of Object.entries((n.properties as Record<string, Node> | undefined) ?? {})) {
      const ref = typeof value.$ref === 'string' ? defs[value.$ref.split('/').pop()!] : undefined;
      if (!value.description && !ref?.description) missing.push(`${path}.${key}: no description`);
      if (!value.examples && !ref?.examples) missing.push(`${path}.${key}: no examples`);
      walk(value, `${path}.${key}`);
    }
    for (const key of ['items', 'additionalProperties']) walk(n[key], `${path}.${key}`);
  };
  walk(schema, 'root');
  for (const [name, def] of Object.entries(defs)) walk(def, `$defs.${name}`);
  return missing;
}

describe('schemas/mapping.schema.json', () => {
  it('is JSON Schema 2020-12', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('describes every key and gives an example of each', () => {
    expect(undocumented()).toEqual([]);
  });

  it('is referenced by a yaml-language-server modeline at the top of every shipped rule file', async () => {
    const dir = 'mappings';
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) {
      const first = (await readFile(join(dir, f), 'utf8')).split('\n')[0];
      expect(first, f).toMatch(/^# yaml-language-server: \$schema=(\.\.\/)+schemas\/mapping\.schema\.json$/);
    }
  });
});
