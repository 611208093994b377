// Micro-benchmark of rule expressions: evaluations per second of the shipped compute entity
// mapping (one server, and a list of them) and the compute create value steps, compiled (src/mapping/jsonata) against the jsonata
// library, on simulator-like documents. Prints figures; it is not a test.
// Run: npx tsx bench/expressions.ts [--servers 1000] [--seconds 1]
import jsonata from 'jsonata';
import { loadRules } from '../src/mapping/load-rules.js';
import { Budget, type Expression, libraryExpression } from '../src/mapping/expressions.js';
import {
  computeBindings,
  createRequest,
  serverDocument,
  serverList,
} from '../test/expressions/cyclades-documents.js';

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
const bindings = computeBindings(mapping.tables);

interface Case {
  name: string;
  /** One "evaluation": every expression of the case, in order. */
  parts: {
    expr: Expression;
    input: unknown;
    vars?: (acc: Record<string, unknown>) => Record<string, unknown>;
    /** The `$request` the expression reads. */
    request?: unknown;
  }[];
}

// Rule language 2: a kind's entity mapping turns a server into a compute (get, list, create use it);
// the create rule's value steps compute the image, flavor, name... from `$request`.
const entityMap = mapping.entities.get(COMPUTE)!.map;
const createValues = rule('create').steps.flatMap((s) =>
  s.type === 'value' ? [[s.name, s.value] as const] : [],
);
const servers = serverList(SERVERS).servers.servers;
const cases: Case[] = [
  {
    name: 'compute entity map (one server)',
    parts: [{ expr: entityMap, input: serverDocument(2) }],
  },
  {
    name: `compute entity map × ${SERVERS} servers (a list)`,
    parts: servers.map((server) => ({ expr: entityMap, input: server })),
  },
  {
    name: `compute create value steps (${createValues.length})`,
    parts: createValues.map(([name, expr]) => ({
      expr,
      input: {},
      vars: () => ({ name }),
      request: (createRequest() as { request: unknown }).request,
    })),
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

/** Evaluates a case's parts in order, each bind's value available to the next (as the engine does). */
function runner(kind: 'compiled' | 'jsonata' | 'fallback', c: Case) {
  const library = c.parts.map((p) => jsonata(p.expr.source));
  const fallback = c.parts.map((p) => libraryExpression(p.expr.source));
  return async () => {
    const vars: Record<string, unknown> = {};
    let budget: Budget | undefined;
    if (kind !== 'jsonata') budget = new Budget();
    for (let i = 0; i < c.parts.length; i++) {
      const p = c.parts[i]!;
      const scope = { ...bindings, ...vars, ...(p.request ? { request: p.request } : {}) };
      let value: unknown;
      try {
        value =
          kind === 'jsonata'
            ? await library[i]!.evaluate(p.input, scope)
            : await (kind === 'fallback' ? fallback[i]! : p.expr).evaluate(p.input, scope, budget);
      } catch {
        value = undefined; // a bind that $fails on this input costs what it costs
      }
      const name = p.vars?.(vars).name;
      if (typeof name === 'string') vars[name] = value;
    }
    return budget?.used;
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
  const compiled = await rate(runner('compiled', c));
  const library = await rate(runner('jsonata', c));
  const fallback = await rate(runner('fallback', c));
  const steps = await runner('compiled', c)();
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
