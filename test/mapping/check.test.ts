// `snf-occi check` and the rule loader's problems: the shipped rules are clean; a copy of them
// with three different mistakes reports exactly those three at the right file:line:col; and every
// problem code of the catalogue is provoked by a small fixture, at the line marked `# <-` in it.
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules } from '../../src/mapping/load-rules.js';
import { PROBLEM_CATALOGUE, type Problem, type ProblemCode } from '../../src/mapping/problems.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MAPPINGS = join(REPO, 'mappings');
const BIN = join(REPO, 'bin', 'snf-occi.js');

const temps: string[] = [];
async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `snf-occi-${prefix}-`));
  temps.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

function runCli(
  args: string[],
  cwd = REPO,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; col: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  if (line < 0) throw new Error(`'${needle}' not found`);
  return { line: line + 1, col: lines[line]!.indexOf(needle) + 1 };
}

/** Replaces exactly one occurrence of `from`; fails if it is not there exactly once. */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const count =
    typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from, 'g')) ?? []).length;
  if (count !== 1) throw new Error(`expected one occurrence of ${String(from)}, found ${count}`);
  return text.replace(from, to);
}

describe('the shipped rules', () => {
  it('load with no problem, every rule file included', async () => {
    const loaded = await loadRules('mappings');
    expect(loaded.problems).toEqual([]);
    expect(loaded.ruleSet).toBeDefined();
    const files = (await readdir(MAPPINGS, { recursive: true }))
      .filter((f) => /\.ya?ml$/.test(String(f)))
      .map((f) => join('mappings', String(f)))
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect([...loaded.ruleSet!.files].sort()).toEqual(files);
  });

  it('`snf-occi check mappings` exits 0 with an ok: summary', async () => {
    const res = await runCli(['bin/snf-occi.js', 'check', 'mappings']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^ok: \d+ files, \d+ categories, \d+ rules, \d+ templates, \d+ services$/m);
    expect(res.stdout).not.toContain('warning');
  });

  it('`snf-occi check` with an unknown option is a usage error (exit 2)', async () => {
    const res = await runCli(['bin/snf-occi.js', 'check', '--frobnicate']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--frobnicate');
  });
});

describe('check on a copy with an expression the compiler does not cover', () => {
  it('warns with file:line:col and the reason, and still exits 0', async () => {
    const dir = await temp('fallback');
    await cp(MAPPINGS, dir, { recursive: true });
    const computePath = join(dir, 'cyclades', 'compute.yaml');
    const compute = replaceOnce(
      await readFile(computePath, 'utf8'),
      '"HARD" : "SOFT"}}',
      '"HARD" : $formatBase(2, 10)}}',
    );
    await writeFile(computePath, compute);
    const res = await runCli([BIN, 'check', '.'], dir);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const warnings = res.stdout.split('\n').filter((l) => l.includes(' warning: '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^cyclades\/compute\.yaml:\d+:\d+ warning: expression runs on the jsonata library \(uses \$formatBase, which the compiler does not implement\): \{"reboot"/,
    );
    expect(res.stdout).toMatch(/, 1 warning$/m);
  });
});

describe('check on a broken copy of the shipped rules', () => {
  it('prints the broken expression, the unknown kind and the schema error at their file:line:col, exit 1', async () => {
    const dir = await temp('broken');
    await cp(MAPPINGS, dir, { recursive: true });
    const computePath = join(dir, 'cyclades', 'compute.yaml');
    const backendPath = join(dir, 'cyclades', 'backend.yaml');
    let compute = await readFile(computePath, 'utf8');
    let backend = await readFile(backendPath, 'utf8');

    // 1. A JSONata syntax error: a stray ']' in the restart rule's body.
    compute = replaceOnce(compute, '"HARD" : "SOFT"}}', '"HARD" : "SOFT"]}}');
    const expression = positionOf(compute, '"SOFT"]');
    expression.col += '"SOFT"'.length; // the ']' itself

    // 2. A rule for a category nobody declares: the delete rule's category.
    const lines = compute.split('\n');
    const deleteAt = lines.findIndex((l) => l.trim() === 'operation: delete');
    expect(lines[deleteAt - 1]).toContain('- category: http://schemas.ogf.org/occi/infrastructure#compute');
    lines[deleteAt - 1] = lines[deleteAt - 1]!.replace('#compute', '#computer');
    compute = lines.join('\n');
    const unknownKind = {
      line: deleteAt, // 1-based line of the line above `operation: delete`
      col: lines[deleteAt - 1]!.indexOf('http://') + 1,
    };

    // 3. A schema error: ttlSeconds of the identity rule is not an integer.
    backend = replaceOnce(backend, /ttlSeconds: 60\b/, 'ttlSeconds: sixty');
    const schema = positionOf(backend, 'sixty');

    await writeFile(computePath, compute);
    await writeFile(backendPath, backend);
    const res = await runCli([BIN, 'check', '.'], dir);
    expect(res.code, res.stdout + res.stderr).toBe(1);
    const problemLines = res.stdout.split('\n').filter((l) => /^\S+:\d+:\d+ [a-z-]+: /.test(l));
    expect(problemLines.sort()).toEqual(
      [
        `cyclades/compute.yaml:${expression.line}:${expression.col} expression: Expected "}", got "]"`,
        `cyclades/compute.yaml:${unknownKind.line}:${unknownKind.col} unknown-kind: 'http://schemas.ogf.org/occi/infrastructure#computer' is not a declared kind or mixin`,
        `cyclades/backend.yaml:${schema.line}:${schema.col} schema: identity.ttlSeconds: must be integer`,
      ].sort(),
    );
    // Every problem has its hint line, and the summary counts them.
    expect(res.stdout.match(/^ {4}hint: /gm)).toHaveLength(3);
    expect(res.stdout).toContain('3 problems in 2 files');
    expect(res.stdout).not.toMatch(/^ok:/m);
  });
});

// ---------------------------------------------------------------------------------------------
// Every problem code, provoked by a small fixture.

const BASE = `version: 2
kinds:
  - term: thing
    scheme: http://example.org/t#
    parent: http://schemas.ogf.org/occi/core#resource
    location: /thing/
    actions: [http://example.org/t/action#poke]
actions:
  - term: poke
    scheme: http://example.org/t/action#
  - term: prod
    scheme: http://example.org/t/action#
services:
  api: { url: 'http://127.0.0.1:9/api' }
rules:
  - category: http://example.org/t#thing
    operation: action
    action: http://example.org/t/action#poke
    unsupported: nobody pokes
`;

interface Case {
  code: ProblemCode;
  what: string;
  /** Extra files besides base.yaml (unless `noBase`); the offending line is marked `# <-`. */
  files: Record<string, string>;
  noBase?: boolean;
  /** The file:line expected (default: the first file with a `# <-` marker). */
  at?: { file: string; line: number };
  /** A message fragment. */
  message?: string;
  /** The column expected: where this text starts on the marked line. */
  col?: string;
  /** Load this path instead of the fixture directory (relative to it). */
  load?: string;
}

const CASES: Case[] = [
  {
    code: 'yaml-syntax',
    what: 'an unterminated flow sequence',
    files: { 'bad.yaml': 'version: 2\nkinds: [\n  {term: x\n' },
  },
  {
    code: 'yaml-syntax',
    what: 'a duplicate key',
    files: { 'dup.yaml': 'version: 2\nversion: 2 # <-\n' },
  },
  {
    code: 'schema',
    what: 'an unknown key in a kind',
    files: {
      'k.yaml': `version: 2
kinds:
  - term: other
    scheme: http://example.org/t#
    parent: http://schemas.ogf.org/occi/core#resource
    colour: red # <-
`,
    },
    message: "unknown key 'colour'",
  },
  {
    code: 'schema',
    what: 'an attribute pattern that is not a regular expression',
    files: {
      'k.yaml': `version: 2
kinds:
  - term: other
    scheme: http://example.org/t#
    parent: http://schemas.ogf.org/occi/core#resource
    attributes:
      a.b:
        pattern: '([' # <-
`,
    },
    message: 'not a valid regular expression',
  },
  {
    code: 'no-rule-files',
    what: 'a directory without rule files',
    noBase: true,
    files: { 'README.txt': 'not rules' },
  },
  {
    code: 'unreadable-file',
    what: 'a rules directory that does not exist',
    noBase: true,
    files: {},
    load: 'does-not-exist',
  },
  {
    code: 'unreadable-file',
    what: 'a rules "directory" that is a file',
    noBase: true,
    files: { 'single.yaml': 'version: 2\n' },
    load: 'single.yaml',
  },
  {
    code: 'duplicate-category',
    what: 'the same scheme+term declared in two files',
    files: {
      'z.yaml': `version: 2
kinds:
  - term: thing # <-
    scheme: http://example.org/t#
    parent: http://schemas.ogf.org/occi/core#resource
`,
    },
    message: 'already declared at base.yaml:3',
  },
  {
    code: 'duplicate-category',
    what: 'a built-in Core kind declared again',
    files: {
      'z.yaml': `version: 2
kinds:
  - term: resource # <-
    scheme: http://schemas.ogf.org/occi/core#
    parent: http://schemas.ogf.org/occi/core#entity
`,
    },
    message: 'built in',
  },
  {
    code: 'duplicate-location',
    what: 'two kinds at one location',
    files: {
      'z.yaml': `version: 2
kinds:
  - term: other
    scheme: http://example.org/t#
    parent: http://schemas.ogf.org/occi/core#resource
    location: /thing/ # <-
`,
    },
  },
  {
    code: 'unknown-parent',
    what: 'a kind whose parent nobody declares',
    files: {
      'z.yaml': `version: 2
kinds:
  - term: other
    scheme: http://example.org/t#
    parent: http://example.org/t#nothing # <-
`,
    },
  },
  {
    code: 'parent-cycle',
    what: 'two kinds that are each other’s parent',
    files: {
      'z.yaml': `version: 2
kinds:
  - term: a # <-
    scheme: http://example.org/c#
    parent: http://example.org/c#b
  - term: b
    scheme: http://example.org/c#
    parent: http://example.org/c#a
`,
    },
  },
  {
    code: 'unknown-action',
    what: 'a kind offering an undeclared action',
    files: {
      'z.yaml': `version: 2
kinds:
  - term: other
    scheme: http://example.org/t#
    parent: http://schemas.ogf.org/occi/core#resource
    actions:
      - http://example.org/t/action#nope # <-
`,
    },
  },
  {
    code: 'unknown-action',
    what: 'a rule for an undeclared action',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: action
    action: http://example.org/t/action#nope # <-
    unsupported: no
`,
    },
  },
  {
    code: 'unknown-mixin',
    what: 'a mixin depending on an undeclared mixin',
    files: {
      'z.yaml': `version: 2
mixins:
  - term: m
    scheme: http://example.org/m#
    location: /mixin/m/
    depends:
      - http://example.org/m#ghost # <-
`,
    },
  },
  {
    code: 'unknown-kind',
    what: 'a rule for a category nobody declares',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#ghost # <-
    operation: get
    steps:
      - { name: g, service: api, method: GET, path: '/ghosts/{id}' }
`,
    },
  },
  {
    code: 'unknown-kind',
    what: 'a mixin applying to an undeclared kind',
    files: {
      'z.yaml': `version: 2
mixins:
  - term: m
    scheme: http://example.org/m#
    location: /mixin/m/
    applies: [http://example.org/t#ghost] # <-
`,
    },
  },
  {
    code: 'bad-default',
    what: 'an integer attribute with a text default',
    files: {
      'z.yaml': `version: 2
kinds:
  - term: other
    scheme: http://example.org/t#
    parent: http://schemas.ogf.org/occi/core#resource
    attributes:
      a.count:
        type: integer
        default: lots # <-
`,
    },
  },
  {
    code: 'bad-default',
    what: 'a default outside the enum',
    files: {
      'z.yaml': `version: 2
actions:
  - term: spin
    scheme: http://example.org/t/action#
    attributes:
      speed: { enum: [slow, fast], default: warp } # <-
`,
    },
  },
  {
    code: 'expression',
    what: '$eval refused at load time',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: get
    steps:
      - { name: g, service: api, method: GET, path: '/things/{id}' }
    result: '$eval("{}")' # <-
`,
    },
    message: '$eval is not allowed',
  },
  {
    code: 'expression',
    what: 'a JSONata syntax error',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: get
    steps:
      - name: g
        service: api
        method: GET
        path: '/things/{id}'
        body: '{"a": (1 +' # <-
`,
    },
  },
  {
    code: 'unknown-service',
    what: 'a step using an undeclared service',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: get
    steps:
      - name: g
        service: nope # <-
        method: GET
        path: '/things/{id}'
`,
    },
  },
  {
    code: 'unbound-variable',
    what: 'a path variable nothing binds',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: get
    steps:
      - name: g
        service: api
        method: GET
        path: '/things/{thing_id}' # <-
`,
    },
    message: '{thing_id}',
  },
  {
    code: 'unbound-variable',
    what: 'an expression reading a step that comes only later',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: get
    steps:
      - name: early
        value: '$late.size' # <-
      - { name: late, service: api, method: GET, path: '/things/{id}' }
    result: '{"id": $id, "title": $early}'
`,
    },
    message: '$late',
  },
  {
    code: 'reads-input',
    what: 'a rule expression reading a step as a bare field (language 1 style)',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: get
    steps:
      - { name: thing, service: api, method: GET, path: '/things/{id}' }
    result: '{"id": $id, "title": thing.name}' # <-
`,
    },
    col: 'thing.name',
    message: "'thing' reads a field of the input",
  },
  {
    code: 'reads-input',
    what: 'a `when` reading `request` without the $',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: get
    when: 'request.id = "1"' # <-
    steps:
      - { name: thing, service: api, method: GET, path: '/things/{id}' }
`,
    },
    message: "'request'",
  },
  {
    code: 'unknown-function',
    what: 'a call of a function that is neither JSONata, a helper nor a shared function',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: get
    steps:
      - { name: thing, service: api, method: GET, path: '/things/{id}' }
    result: '$entitiy($thing)' # <-
`,
    },
    message: '$entitiy()',
  },
  {
    code: 'reserved-name',
    what: 'a step named like a helper',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: get
    steps:
      - name: location # <-
        service: api
        method: GET
        path: '/things/{id}'
`,
    },
    message: "'location'",
  },
  {
    code: 'reserved-name',
    what: 'a step named like a name every rule has',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: delete
    steps:
      - { name: request, value: '$id' } # <-
      - { name: gone, service: api, method: DELETE, path: '/things/{id}' }
`,
    },
    message: "'request'",
  },
  {
    code: 'reserved-name',
    what: 'a step named like a shared function',
    files: {
      'z.yaml': `version: 2
functions:
  label: 'function($x) { "thing " & $x }'
rules:
  - category: http://example.org/t#thing
    operation: delete
    steps:
      - { name: label, service: api, method: DELETE, path: '/things/{id}' } # <-
`,
    },
    message: "'label'",
  },
  {
    code: 'old-version',
    what: 'a file in rule language 1',
    files: {
      'old.yaml': `version: 1 # <-
rules:
  - category: http://example.org/t#thing
    operation: get
    bind: { name: request.id }
    steps:
      - { name: g, service: api, method: GET, path: '/things/{id}', params: { page: '1' } }
`,
    },
    col: '1 # <-',
    message: 'rule language 1',
  },
  {
    code: 'action-without-rule',
    what: 'a mapped kind offering an action no rule maps',
    files: {
      'z.yaml': `version: 2
kinds:
  - term: gadget
    scheme: http://example.org/t#
    parent: http://schemas.ogf.org/occi/core#resource
    location: /gadget/
    actions: [http://example.org/t/action#prod]
rules:
  - category: http://example.org/t#gadget # <-
    operation: delete
    steps:
      - { name: d, service: api, method: DELETE, path: '/gadgets/{id}' }
`,
    },
    message: 'http://example.org/t/action#prod',
  },
  {
    code: 'missing-action',
    what: 'an action rule that names no action',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing # <-
    operation: action
    unsupported: which one?
`,
    },
  },
  {
    code: 'action-not-offered',
    what: 'a rule for an action the kind does not offer',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: action
    action: http://example.org/t/action#prod # <-
    unsupported: no
`,
    },
  },
  {
    code: 'duplicate-step',
    what: 'two steps with one name',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: get
    steps:
      - { name: s, service: api, method: GET, path: '/a' }
      - name: s # <-
        service: api
        method: GET
        path: /b
`,
    },
  },
  {
    code: 'duplicate-definition',
    what: 'a service declared in two files',
    files: {
      'z.yaml': `version: 2
services:
  api: { url: 'http://127.0.0.1:9/other' } # <-
`,
    },
  },
  {
    code: 'duplicate-definition',
    what: 'tokenHeader defined in two files',
    files: {
      'a.yaml': 'version: 2\ntokenHeader: X-A\n',
      'b.yaml': 'version: 2\ntokenHeader: X-B # <-\n',
    },
    message: 'already defined at a.yaml:2',
  },
  {
    code: 'unreachable-rule',
    what: 'a second rule behind one without `when`',
    files: {
      'z.yaml': `version: 2
rules:
  - category: http://example.org/t#thing
    operation: get
    steps:
      - { name: a, service: api, method: GET, path: '/a/{id}' }
  - category: http://example.org/t#thing # <-
    operation: get
    when: 'true'
    steps:
      - { name: b, service: api, method: GET, path: '/b/{id}' }
`,
    },
  },
];

function markedLine(files: Record<string, string>): { file: string; line: number } | undefined {
  for (const [file, text] of Object.entries(files)) {
    const i = text.split('\n').findIndex((l) => l.includes('# <-'));
    if (i >= 0) return { file, line: i + 1 };
  }
  return undefined;
}

describe('every problem code is provoked by a small fixture', () => {
  it('the cases cover the whole PROBLEM_CATALOGUE', () => {
    const covered = new Set(CASES.map((c) => c.code));
    expect([...Object.keys(PROBLEM_CATALOGUE)].filter((c) => !covered.has(c as ProblemCode))).toEqual([]);
  });

  it('the base fixture alone is clean', async () => {
    const dir = await temp('base');
    await writeFile(join(dir, 'base.yaml'), BASE);
    const loaded = await loadRules(dir, { displayRoot: dir });
    expect(loaded.problems).toEqual([]);
  });

  for (const c of CASES) {
    it(`${c.code}: ${c.what}`, async () => {
      const dir = await temp('case');
      if (!c.noBase) await writeFile(join(dir, 'base.yaml'), BASE);
      for (const [name, text] of Object.entries(c.files)) {
        await mkdir(join(dir, name, '..'), { recursive: true });
        await writeFile(join(dir, name), text);
      }
      const loaded = await loadRules(c.load ? join(dir, c.load) : dir, { displayRoot: dir });
      expect(loaded.ruleSet).toBeUndefined();
      const found = loaded.problems.filter((p) => p.code === c.code);
      expect(found, JSON.stringify(loaded.problems, null, 2)).not.toHaveLength(0);
      const at = c.at ?? markedLine(c.files);
      let match: Problem | undefined = found[0];
      if (at) {
        match = found.find((p) => p.file === at.file && p.line === at.line);
        expect(match, `${c.code} at ${at.file}:${at.line}; got ${JSON.stringify(found)}`).toBeDefined();
      }
      expect(match!.col).toBeGreaterThanOrEqual(1);
      if (c.col && at) {
        const line = c.files[at.file]!.split('\n')[at.line - 1]!;
        expect(line, c.col).toContain(c.col);
        expect(match!.col, `${c.code} column`).toBe(line.indexOf(c.col) + 1);
      }
      expect(match!.hint).toBe(PROBLEM_CATALOGUE[c.code]);
      if (c.message) expect(match!.message).toContain(c.message);
      // Positions point into the file: the line exists.
      if (!c.load && match!.file in c.files) {
        expect(match!.line).toBeLessThanOrEqual(c.files[match!.file]!.split('\n').length);
      }
    });
  }

  it('unreadable-file: a rule file that cannot be read (skipped when running as root)', async () => {
    if (process.getuid?.() === 0) return; // root reads anything
    const dir = await temp('unreadable');
    await writeFile(join(dir, 'base.yaml'), BASE);
    await writeFile(join(dir, 'secret.yaml'), 'version: 2\n');
    await chmod(join(dir, 'secret.yaml'), 0);
    const loaded = await loadRules(dir, { displayRoot: dir });
    expect(loaded.problems).toMatchObject([
      { code: 'unreadable-file', file: 'secret.yaml', line: 1, col: 1 },
    ]);
  });

  it('the expression problem points at the offending character inside the scalar', async () => {
    const dir = await temp('expr');
    const text = `${BASE.replace(
      'rules:\n',
      `rules:
  - category: http://example.org/t#thing
    operation: get
    steps:
      - { name: g, service: api, method: GET, path: '/things/{id}' }
    result: |
      (
        $a := $g.value;
        $a + ]
      )
`,
    )}`;
    await writeFile(join(dir, 'base.yaml'), text);
    const loaded = await loadRules(dir, { displayRoot: dir });
    const p = loaded.problems.find((x) => x.code === 'expression');
    const where = positionOf(text, '$a + ]');
    expect(p).toMatchObject({ file: 'base.yaml', line: where.line, col: where.col + '$a + '.length });
  });

  it('problems of several files are all reported together, with paths relative to the display root', async () => {
    const dir = await temp('many');
    await writeFile(join(dir, 'base.yaml'), BASE);
    await mkdir(join(dir, 'sub'));
    await writeFile(
      join(dir, 'sub', 'one.yaml'),
      CASES.find((c) => c.code === 'bad-default')!.files['z.yaml']!,
    );
    await writeFile(join(dir, 'two.yaml'), CASES.find((c) => c.code === 'unknown-service')!.files['z.yaml']!);
    const loaded = await loadRules(dir, { displayRoot: dir });
    expect(loaded.problems.map((p) => `${p.file} ${p.code}`).sort()).toEqual([
      `${join('sub', 'one.yaml')} bad-default`,
      'two.yaml unknown-service',
    ]);
    expect(relative(dir, join(dir, loaded.problems[0]!.file))).not.toMatch(/^\.\./);
  });
});
