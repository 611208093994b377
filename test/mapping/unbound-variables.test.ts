// `check` reports `$names` and `{name}` placeholders that nothing defines at that point of a rule:
// such a value would silently be undefined at run time (a rule that lost a step would then drop
// data, not fail). What a rule expression may read: the steps before it (`$<name>`), `$request`,
// `$id`, `$requestId`, `$item` inside a forEach step, the tables, the helpers and the shared
// functions, and what it defines itself.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/mapping/load-rules.js';

const HEAD = `version: 2
kinds:
  - { term: thing, scheme: "http://example.org/t#", parent: "http://schemas.ogf.org/occi/core#resource", location: /thing/ }
services:
  api: { url: "http://backend.invalid" }
functions:
  label: 'function($x) { "thing " & $x }'
  shout: 'function($x) { $uppercase($label($x)) }'
tables:
  colours: { red: "#f00" }
entities:
  - kind: http://example.org/t#thing
    map: '{"id": $string(id), "title": $shout(name), "attributes": {"c": $lookup($tables.colours, "red")}}'
rules:
`;

/** The 1-based line of the n-th line (1-based) of the rules, in the file. */
const line = (n: number) => HEAD.split('\n').length - 1 + n;

async function problemsOf(rules: string) {
  const dir = await mkdtemp(join(tmpdir(), 'snf-occi-vars-'));
  await writeFile(join(dir, 'r.yaml'), HEAD + rules);
  return (await loadRules(dir)).problems.map((p) => `${p.line} ${p.code}: ${p.message}`);
}

describe('unbound $names', () => {
  it('accepts earlier steps, $request, $id, $item, $requestId, the tables, helpers, shared functions and local definitions', async () => {
    const problems = await problemsOf(`  - category: http://example.org/t#thing
    operation: create
    steps:
      - { name: name, value: '$request.attributes."occi.core.title"' }
      - name: one
        service: api
        method: POST
        path: '/things?page=1&by={name}'
        body: '{"name": $name, "marker": $requestId}'
        compensate: { service: api, method: DELETE, path: '/things/{one.id}', body: '{"was": $one.id}' }
        findLost: { service: api, method: GET, path: /things, answer: '$found.things[marker = $requestId][0]' }
      - { name: size, value: '$one.size' }
      - name: parts
        forEach: '$one.parts'
        service: api
        method: PUT
        path: '/things/{one.id}/parts/{item.id}'
        body: '{"part": $item, "of": $size}'
        compensate: { service: api, method: DELETE, path: '/parts/{parts.id}?item={item.id}' }
      - name: ready
        service: api
        method: GET
        path: '/things/{one.id}'
        waitFor: { until: '$ready.status = "ACTIVE" and $count($parts) >= 0' }
    result: |
      ( $n := $name & $size;
        $merge([$entity($ready), {"title": $label($n), "attributes": {"l": $location("thing", $id)},
         "links": $map([1], function($v, $i) { $v + $i })}]) )
`);
    expect(problems).toEqual([]);
  });

  it('reports a $name nothing defines, at the expression that reads it', async () => {
    const problems = await problemsOf(`  - category: http://example.org/t#thing
    operation: get
    steps:
      - { name: one, service: api, method: GET, path: '/things/{id}' }
    result: '{"id": $id, "title": $nmae}'
`);
    expect(problems).toEqual([
      `${line(5)} unbound-variable: $nmae is not defined here: name it with an earlier step`,
    ]);
  });

  it('a step is defined only after it: an earlier step or its own path cannot read it', async () => {
    const problems = await problemsOf(`  - category: http://example.org/t#thing
    operation: get
    steps:
      - { name: first, value: '$second.id' }
      - { name: second, service: api, method: GET, path: '/things/{second.id}' }
`);
    expect(problems).toEqual([
      `${line(4)} unbound-variable: $second is not defined here: name it with an earlier step`,
      `${line(5)} unbound-variable: path placeholder {second} names nothing defined here`,
    ]);
  });

  it('$item exists only inside a forEach step (and its compensation)', async () => {
    const problems = await problemsOf(`  - category: http://example.org/t#thing
    operation: delete
    steps:
      - { name: gone, service: api, method: DELETE, path: '/things/{id}', body: '{"part": $item}' }
      - { name: after, service: api, method: GET, path: '/parts/{item}' }
`);
    expect(problems).toEqual([
      `${line(4)} unbound-variable: $item is not defined here: name it with an earlier step`,
      `${line(5)} unbound-variable: path placeholder {item} names nothing defined here`,
    ]);
  });

  it('keeps rules apart: a step of one rule defines nothing in another', async () => {
    const problems = await problemsOf(`  - category: http://example.org/t#thing
    operation: get
    steps:
      - { name: name, value: '$request.id' }
    result: '{"id": $name}'
  - category: http://example.org/t#thing
    operation: delete
    steps:
      - { name: gone, service: api, method: DELETE, path: '/things/{id}', body: '{"name": $name}' }
`);
    expect(problems).toEqual([
      `${line(9)} unbound-variable: $name is not defined here: name it with an earlier step`,
    ]);
  });

  it('shared functions and entity mappings see the helpers, tables and functions, not a rule’s names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snf-occi-vars-'));
    const head = HEAD.replace(
      "  shout: 'function($x) { $uppercase($label($x)) }'",
      "  shout: 'function($x) { $uppercase($label($x)) & $one.id }'",
    ).replace('"title": $shout(name)', '"title": $shout(name) & $request.id');
    const headLine = (needle: string) => head.split('\n').findIndex((l) => l.includes(needle)) + 1;
    await writeFile(
      join(dir, 'r.yaml'),
      `${head}  - category: http://example.org/t#thing
    operation: get
    steps:
      - { name: one, service: api, method: GET, path: '/things/{id}' }
    result: '$entity($one)'
`,
    );
    const problems = (await loadRules(dir)).problems.map((p) => `${p.line} ${p.code}: ${p.message}`);
    expect(problems).toEqual([
      `${headLine('shout:')} unbound-variable: $one is not defined here: name it with an earlier step`,
      `${headLine('map:')} unbound-variable: $request is not defined here: name it with an earlier step`,
    ]);
  });
});
