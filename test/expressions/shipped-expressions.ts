// Every expression of the shipped rules (mappings/) and of the test fixtures, as the loader
// compiles them: collected by walking the loaded rule sets, so the list follows the rules
// whatever shape the compiled rule set takes.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Expression } from '../../src/mapping/expressions.js';
import { loadRules } from '../../src/mapping/load-rules.js';
import { ruleExpressions } from '../../src/mapping/rule-expressions.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface Shipped {
  expressions: Expression[];
  /** The shipped rules' tables ($tables). */
  tables: Record<string, unknown>;
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

export async function shippedExpressions(): Promise<Shipped> {
  const fixtures = await readdir(join(REPO, 'test', 'fixtures'));
  const dirs = [join(REPO, 'mappings'), ...(await Promise.all(fixtures.map(materialised)))];
  const bySource = new Map<string, Expression>();
  let tables: Record<string, unknown> = {};
  try {
    for (const [i, dir] of dirs.entries()) {
      const loaded = await loadRules(dir);
      if (!loaded.ruleSet) throw new Error(`${dir} does not load: ${loaded.problems[0]?.message}`);
      if (i === 0) tables = loaded.ruleSet.mapping.tables;
      for (const { expression } of ruleExpressions(loaded.ruleSet.mapping)) {
        if (!bySource.has(expression.source)) bySource.set(expression.source, expression);
      }
    }
  } finally {
    for (const dir of dirs.slice(1)) await rm(dir, { recursive: true, force: true });
  }
  return { expressions: [...bySource.values()], tables };
}
