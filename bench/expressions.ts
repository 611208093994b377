// Micro-benchmark of rule expressions: evaluations per second of the shipped compute entity
// mapping (one server), the compute list result (a list of servers, each through $entity) and the
// compute create value steps, compiled (src/mapping/jsonata) against the jsonata library (alone,
// and under the Budget as the fallback runs it), on simulator-like documents, in request scopes
// built as the engine builds them (test/expressions/scopes.ts). Prints figures; it is not a test.
// Run: npx tsx bench/expressions.ts [--servers 1000] [--seconds 1]
import { loadRules } from '../src/mapping/load-rules.js';
import { Budget, type Expression } from '../src/mapping/expressions.js';
import { createRequest, serverDocument, serverList } from '../test/expressions/cyclades-documents.js';
import {
  BUDGETED_LIBRARY,
  COMPILED,
  LIBRARY,
  type Path,
  requestScope,
  ruleScope,
} from '../test/expressions/scopes.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const SERVERS = arg('servers', 1000);
const SECONDS = arg('seconds', 1);
const COMPUTE = 'http://schemas.ogf.org/occi/infrastructure#compute';

const loaded = await loadRules('mappings');
if (!loaded.ruleSet) throw new Error(`mappings/ does not load: ${loaded.problems[0]?.message}`);
const { mapping } = loaded.ruleSet;
const rule = (operation: string) => {
  const found = mapping.rules.get(`${COMPUTE}|${operation}|`)?.[0];
  if (!found) throw new Error(`no compute ${operation} rule`);
  return found;
};

interface Case {
  name: string;
  /** Named values the rule sees ($request, earlier steps). */
  bindings: Record<string, unknown>;
  /** One "evaluation" (a request): every expression of the case, in order; a named one binds its value for the next. */
  parts: { expr: Expression; input: unknown; name?: string }[];
}

// Rule language 2: a kind's entity mapping turns a server into a compute (get, list, create use
// it); the list result maps every server through $entity; the create rule's value steps compute
// the image, flavor, name... from `$request`. Each evaluation is one request: its scope (helpers,
// tables, the shared functions bound once) is built as the engine builds it, on one Budget.
const entityMap = mapping.entities.get(COMPUTE)!.map;
const list = rule('list').result!;
const createValues = rule('create').steps.flatMap((s) => (s.type === 'value' ? [s] : []));
const cases: Case[] = [
  {
    name: 'compute entity map (one server)',
    bindings: {},
    parts: [{ expr: entityMap, input: serverDocument(2) }],
  },
  {
    name: `compute list result (${SERVERS} servers)`,
    bindings: serverList(SERVERS),
    parts: [{ expr: list, input: {} }],
  },
  {
    name: `compute create value steps (${createValues.length})`,
    bindings: { request: createRequest().request },
    parts: createValues.map((s) => ({ expr: s.value, input: {}, name: s.name })),
  },
];

/** Runs `f` repeatedly for SECONDS (after a warm-up) and returns calls per second. */
async function rate(f: () => unknown): Promise<number> {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) await f();
  let n = 0;
  const start = performance.now();
  const until = start + SECONDS * 1000;
  while (performance.now() < until) {
    await f();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

/** Evaluates a case's parts in order, each named value available to the next (as the engine does). */
function runner(path: Path, c: Case) {
  return async () => {
    const budget = new Budget();
    const scope = ruleScope(await requestScope(mapping, path, budget), COMPUTE).child(c.bindings);
    for (const p of c.parts) {
      let value: unknown;
      try {
        value = await path.as(p.expr).evaluate(p.input, scope, budget);
      } catch {
        value = undefined; // a step that $fails on this input costs what it costs
      }
      if (p.name) scope.set(p.name, value);
    }
    return budget.used;
  };
}

console.log(`node ${process.version}, ${SERVERS} servers, ${SECONDS}s per figure\n`);
const rows: string[][] = [
  ['case', 'compiled eval/s', 'jsonata eval/s', 'ratio', 'fallback eval/s', 'steps/eval'],
];
for (const c of cases) {
  const fallbacks = c.parts.filter((p) => !p.expr.compiled).map((p) => p.expr.fallbackReason);
  if (fallbacks.length)
    console.log(`note: ${c.name} has ${fallbacks.length} fallback expression(s): ${fallbacks}`);
  const compiled = await rate(runner(COMPILED, c));
  const library = await rate(runner(LIBRARY, c));
  const fallback = await rate(runner(BUDGETED_LIBRARY, c));
  const steps = await runner(COMPILED, c)();
  rows.push([
    c.name,
    compiled.toFixed(0),
    library.toFixed(0),
    `${(compiled / library).toFixed(1)}×`,
    fallback.toFixed(0),
    String(steps),
  ]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
