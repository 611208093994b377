// `check` reports `$variables` an expression reads that nothing binds: such a variable would
// silently be undefined at run time (a rule that lost a `bind` would then drop data, not fail).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/mapping/load-rules.js';

const HEAD = `version: 1
kinds:
  - { term: thing, scheme: "http://example.org/t#", parent: "http://schemas.ogf.org/occi/core#resource", location: /thing/ }
services:
  api: { url: "http://backend.invalid" }
functions:
  label: 'function($x) { "thing " & $x }'
tables:
  colours: { red: "#f00" }
rules:
`;

/** The 1-based line of the n-th line (1-based) of the rules, in the file. */
const line = (n: number) => HEAD.split('\n').length - 1 + n;

async function problemsOf(rules: string) {
  const dir = await mkdtemp(join(tmpdir(), 'snf-occi-vars-'));
  await writeFile(join(dir, 'r.yaml'), HEAD + rules);
  return (await loadRules(dir)).problems.map((p) => `${p.line} ${p.code}: ${p.message}`);
}

describe('unbound $variables', () => {
  it('accepts what the rule binds, $id, the tables, helpers, shared functions and local definitions', async () => {
    const problems = await problemsOf(`  - category: http://example.org/t#thing
    operation: get
    bind: { name: request.id }
    steps:
      - name: one
        service: api
        method: GET
        path: '/things/{id}'
        params: { page: '1' }
        bind: { size: one.size }
    result: |
      ( $n := $name & $page & $size;
        {"id": $id, "title": $label($n), "attributes": {"c": $lookup($tables.colours, "red"), "l": $location("thing", $id)},
         "links": $map([1], function($v, $i) { $v + $i })} )
`);
    expect(problems).toEqual([]);
  });

  it('reports a variable nothing binds, at the expression that reads it', async () => {
    const problems = await problemsOf(`  - category: http://example.org/t#thing
    operation: get
    steps:
      - { name: one, service: api, method: GET, path: '/things/{id}' }
    result: '{"id": $id, "title": $nmae}'
`);
    expect(problems).toEqual([`${line(5)} unbound-variable: variable $nmae is not bound here`]);
  });

  it('keeps rules apart: a bind of one rule does not bind another', async () => {
    const problems = await problemsOf(`  - category: http://example.org/t#thing
    operation: get
    bind: { name: request.id }
    result: '{"id": $name}'
  - category: http://example.org/t#thing
    operation: delete
    steps:
      - { name: gone, service: api, method: DELETE, path: '/things/{id}', body: '{"name": $name}' }
`);
    expect(problems).toEqual([`${line(8)} unbound-variable: variable $name is not bound here`]);
  });
});
