// How the differential tests compare two evaluations: the value in a canonical form (undefined,
// functions and non-finite numbers made visible), or the kind of failure (JSONata error code,
// OCCI status and message, budget). The compiled evaluator and the jsonata library must agree.
import jsonata from 'jsonata';
import { Budget, type Expression, type ExpressionLimits } from '../../src/mapping/expressions.js';
import { OcciError } from '../../src/occi/errors.js';

export type Outcome = { value: unknown } | { error: string };

const BUDGET_CODES = new Set(['steps', 'depth', 'output']);

export function canonical(v: unknown, depth = 0): unknown {
  if (depth > 100) return '<deep>';
  if (v === undefined) return '<undefined>';
  if (typeof v === 'function') return '<function>';
  if (typeof v === 'number' && !Number.isFinite(v)) return `<${v}>`;
  if (Array.isArray(v)) return v.map((x) => canonical(x, depth + 1));
  if (typeof v === 'object' && v !== null) {
    if (
      (v as { _jsonata_lambda?: unknown })._jsonata_lambda ||
      (v as { _jsonata_function?: unknown })._jsonata_function
    )
      return '<function>';
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = canonical(x, depth + 1);
    return out;
  }
  return v;
}

export function failureKind(e: unknown): string {
  if (e instanceof OcciError) return `occi ${e.status} ${e.message}`;
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string') return BUDGET_CODES.has(code) ? 'budget' : code;
  return `js ${(e as Error)?.name ?? typeof e}`;
}

export async function outcomeOf(run: () => unknown): Promise<Outcome> {
  try {
    return { value: canonical(await run()) };
  } catch (e) {
    return { error: failureKind(e) };
  }
}

/** Generous limits: the differential tests compare semantics, not budgets. */
export const WIDE: ExpressionLimits = { maxSteps: 2_000_000, maxDepth: 500, maxOutput: 10_000_000 };

export const compiledOutcome = (
  e: Expression,
  input: unknown,
  bindings: Record<string, unknown>,
  limits = WIDE,
) => outcomeOf(() => e.evaluate(input, bindings, new Budget(limits)));

const library = new Map<string, ReturnType<typeof jsonata>>();

/** The jsonata library on its own (no hooks): the reference. */
export const libraryOutcome = (source: string, input: unknown, bindings: Record<string, unknown>) => {
  let compiled = library.get(source);
  if (!compiled) {
    compiled = jsonata(source);
    library.set(source, compiled);
  }
  const c = compiled;
  return outcomeOf(() => c.evaluate(input, bindings));
};
