// Loads a rule set from a directory of YAML rule files: reads them all (asynchronously, so that a
// reload never blocks traffic), parses them with positions (or takes the build's parse of a
// shipped file, see prepared-rules.ts), validates them against the schema and cross-checks them.
// All problems are reported together; a rule set is produced only when there are none.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CategoryRegistry } from '../occi/registry.js';
import { buildCategories, type Position } from './build-categories.js';
import { compileMapping } from './compile/index.js';
import type { MappingPlans } from './plan.js';
import { type Problem, problem } from './problems.js';
import { checkSchema } from './schema-check.js';
import { readPreparedRules, sourceFileFor } from './prepared-rules.js';
import type { CheckedFile } from './source-file.js';

export interface RuleSet {
  /** The provider's categories: the Core kinds and everything the rule files declare. */
  registry: CategoryRegistry;
  /** The compiled backend mapping: services, identity, rules, templates, pass-through routes. */
  mapping: MappingPlans;
  /** Where each category was declared, for messages and `explain`. */
  origins: Map<string, Position>;
  files: string[];
  /** Increases with every successful load in this process; shown in logs and admin responses. */
  generation: number;
}

export interface LoadResult {
  ruleSet?: RuleSet;
  problems: Problem[];
}

let generation = 0;

async function listRuleFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

export async function loadRules(dir: string, options: { displayRoot?: string } = {}): Promise<LoadResult> {
  const display = (p: string) => relative(options.displayRoot ?? process.cwd(), p) || p;
  let paths: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    paths = await listRuleFiles(dir);
  } catch (e) {
    return {
      problems: [
        problem(
          { file: display(dir), line: 1, col: 1 },
          'unreadable-file',
          `cannot read rules directory: ${(e as Error).message}`,
        ),
      ],
    };
  }
  if (paths.length === 0) {
    return {
      problems: [
        problem(
          { file: display(dir), line: 1, col: 1 },
          'no-rule-files',
          'no *.yaml rule files in this directory',
        ),
      ],
    };
  }
  const files: CheckedFile[] = [];
  const problems: Problem[] = [];
  const prepared = await readPreparedRules();
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      problems.push(
        problem({ file: display(path), line: 1, col: 1 }, 'unreadable-file', (e as Error).message),
      );
      continue;
    }
    const file = sourceFileFor(prepared, display(path), text);
    const version = (file.data as { version?: unknown } | undefined)?.version;
    if (version === 1) {
      problems.push(
        problem(
          file.positionOf(['version']),
          'old-version',
          'this file is written in rule language 1; snf-occi reads version 2',
        ),
      );
      continue;
    }
    const schema = checkSchema(file);
    problems.push(...file.problems, ...schema.problems);
    files.push({ ...file, isValid: schema.isValid });
  }
  // Cross-checks skip the parts that failed the schema: on those they would only report noise.
  const built = buildCategories(files);
  problems.push(...built.problems);
  const registry = new CategoryRegistry(built.decls.categories);
  const compiled = compileMapping(files, registry);
  problems.push(...compiled.problems);
  if (problems.length > 0) return { problems };
  return {
    problems,
    ruleSet: {
      registry,
      mapping: compiled.mapping,
      origins: built.decls.origins,
      files: files.map((f) => f.path),
      generation: ++generation,
    },
  };
}
