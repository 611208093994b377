// Every expression of the shipped rules (mappings/) and of the test fixtures, as the loader
// compiles them, each with what it is evaluated on in rule language 2 (its role): a rule
// expression (input {}, named values as variables), an entity map (input: the backend object
// given to $entity), a document expression (fault message, identity user/catalog), the identity
// body ($token), a shared function, or the block binding them. Found by walking the compiled
// plans; a check against ruleExpressions() keeps the walk from missing any.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Expression } from '../../src/mapping/expressions.js';
import { loadRules } from '../../src/mapping/load-rules.js';
import type { CallPlan, MappingPlans, StepPlan } from '../../src/mapping/plan.js';
import { ruleExpressions } from '../../src/mapping/rule-expressions.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export type Role =
  /** In a rule (category set: `$entity(x)` maps by that kind) or a template listing (no category). */
  | { type: 'rule'; category?: string }
  /** An entity mapping: its input is the backend object. */
  | { type: 'entity'; kind: string }
  /** Over a backend document, with no names: fault messages, identity user and catalog. */
  | { type: 'document'; document: 'fault' | 'identity' }
  /** The identity request body: sees `$token` only. */
  | { type: 'identity-body' }
  /** A shared function's definition, compiled alone. */
  | { type: 'function'; name: string }
  /** All shared functions bound in one block (evaluated once per request). */
  | { type: 'function-block' };

export interface ShippedExpression {
  expression: Expression;
  role: Role;
  /** The compiled rule set it belongs to (its tables, functions and entity maps). */
  mapping: MappingPlans;
  /** Where it is: the rule set and the part, for test titles. */
  where: string;
}

export interface Shipped {
  expressions: ShippedExpression[];
  /** The compiled shipped rules (mappings/). */
  mapping: MappingPlans;
}

/** Fixture rule files carry `${NAME}` placeholders for URLs: any URL will do to load them. */
async function materialised(fixture: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'snf-occi-expr-'));
  await cp(join(REPO, 'test', 'fixtures', fixture), dir, { recursive: true });
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    await writeFile(path, (await readFile(path, 'utf8')).replace(/\$\{[A-Z_]+\}/g, 'http://127.0.0.1:9'));
  }
  return dir;
}

const term = (category: string | undefined) => category?.slice(category.lastIndexOf('#') + 1) ?? '';

/** Every expression of one compiled rule set, with its role. */
export function classify(mapping: MappingPlans, set: string): ShippedExpression[] {
  const out: ShippedExpression[] = [];
  const add = (expression: Expression | undefined, role: Role, where: string) => {
    if (expression) out.push({ expression, role, mapping, where: `${set} ${where}` });
  };
  const call = (c: CallPlan | undefined, role: Role, where: string) => {
    if (!c) return;
    add(c.body, role, `${where} body`);
    for (const [name, e] of c.headers ?? []) add(e, role, `${where} header ${name}`);
  };
  const steps = (list: readonly StepPlan[], role: Role, where: string) => {
    for (const s of list) {
      const at = `${where} step ${s.name}`;
      add(s.when, role, `${at} when`);
      if (s.type === 'value') {
        add(s.value, role, `${at} value`);
        continue;
      }
      add(s.forEach, role, `${at} forEach`);
      call(s, role, at);
      add(s.waitFor?.until, role, `${at} until`);
      add(s.faults?.message, { type: 'document', document: 'fault' }, `${at} faults.message`);
      call(s.compensate, role, `${at} compensate`);
      call(s.findLost, role, `${at} findLost`);
      add(s.findLost?.answer, role, `${at} findLost answer`);
    }
  };
  for (const rules of mapping.rules.values()) {
    for (const r of rules) {
      const role: Role = { type: 'rule', category: r.category };
      const where = `${term(r.category)} ${r.operation}${r.action ? ` ${term(r.action)}` : ''}`;
      add(r.when, role, `${where} when`);
      steps(r.steps, role, where);
      add(r.result, role, `${where} result`);
    }
  }
  for (const t of mapping.templates) {
    steps(t.steps, { type: 'rule' }, `template ${t.name}`);
    add(t.items, { type: 'rule' }, `template ${t.name} items`);
  }
  for (const [kind, e] of mapping.entities) add(e.map, { type: 'entity', kind }, `entity ${term(kind)}`);
  if (mapping.identity) {
    add(mapping.identity.body, { type: 'identity-body' }, 'identity body');
    add(mapping.identity.user, { type: 'document', document: 'identity' }, 'identity user');
    add(mapping.identity.catalog, { type: 'document', document: 'identity' }, 'identity catalog');
  }
  add(mapping.faults.message, { type: 'document', document: 'fault' }, 'faults.message');
  for (const [name, e] of mapping.functions) add(e, { type: 'function', name }, `function ${name}`);
  add(mapping.functionBlock, { type: 'function-block' }, 'functions block');

  // Nothing the loader compiled may escape the walk above.
  const classified = new Set(out.map((x) => x.expression));
  const missed = ruleExpressions(mapping).filter((f) => !classified.has(f.expression));
  if (missed.length > 0)
    throw new Error(
      `${set}: expressions of no known role: ${missed.map((m) => m.expression.source).join(' | ')}`,
    );
  return out;
}

const roleKey = (r: Role): string =>
  r.type === 'rule'
    ? `rule ${r.category ?? ''}`
    : r.type === 'entity'
      ? `entity ${r.kind}`
      : r.type === 'document'
        ? `document ${r.document}`
        : r.type === 'function'
          ? `function ${r.name}`
          : r.type;

export async function shippedExpressions(): Promise<Shipped> {
  const fixtures = await readdir(join(REPO, 'test', 'fixtures'));
  const dirs = [join(REPO, 'mappings'), ...(await Promise.all(fixtures.map(materialised)))];
  const names = ['mappings', ...fixtures];
  const unique = new Map<string, ShippedExpression>();
  let shipped: MappingPlans | undefined;
  try {
    for (const [i, dir] of dirs.entries()) {
      const loaded = await loadRules(dir);
      if (!loaded.ruleSet) throw new Error(`${dir} does not load: ${loaded.problems[0]?.message}`);
      if (i === 0) shipped = loaded.ruleSet.mapping;
      for (const x of classify(loaded.ruleSet.mapping, names[i] ?? basename(dir))) {
        // The same source in the same role and rule set is the same test (update and replace share steps).
        const key = `${i}|${roleKey(x.role)}|${x.expression.source}`;
        if (!unique.has(key)) unique.set(key, x);
      }
    }
  } finally {
    for (const dir of dirs.slice(1)) await rm(dir, { recursive: true, force: true });
  }
  return { expressions: [...unique.values()], mapping: shipped! };
}
