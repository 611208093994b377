// The rule-file schema is for people and editors: every key must say what it is and show an example
// (in the current rule language: the examples together make a rule file that loads), and every
// shipped rule file must point editors at it.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import schema from '../../schemas/mapping.schema.json' with { type: 'json' };
import { loadRules } from '../../src/mapping/load-rules.js';
import { formatProblem } from '../../src/mapping/problems.js';

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

  it('the first example of every top-level key, put together, is a rule file that loads without problems', async () => {
    const defs = schema.$defs as Record<string, Node>;
    const doc: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema.properties as Record<string, Node>)) {
      const ref = typeof value.$ref === 'string' ? defs[value.$ref.split('/').pop()!] : undefined;
      const examples = (value.examples ?? ref?.examples) as unknown[] | undefined;
      expect(examples?.length, key).toBeGreaterThan(0);
      doc[key] = examples![0];
    }
    // The userMixins example names the base mixin user-mixins.yaml declares; declare it here too.
    const base = (doc.userMixins as { dependOn?: string } | undefined)?.dependOn;
    if (base) {
      const hash = base.lastIndexOf('#');
      (doc.mixins as unknown[]).push({
        term: base.slice(hash + 1),
        scheme: base.slice(0, hash + 1),
        location: '/mixin/user_mixin/',
      });
    }
    const dir = await mkdtemp(join(tmpdir(), 'snf-occi-schema-examples-'));
    try {
      await writeFile(join(dir, 'examples.yaml'), stringify(doc));
      const loaded = await loadRules(dir, { displayRoot: dir });
      expect(loaded.problems.map(formatProblem)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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
