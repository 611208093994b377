// Compile pass for shared functions: each is a JSONata function definition, bound by name for every
// expression of the rule set (evaluated once per request, so that a function sees the request's
// helpers). Functions may call each other and read the tables and helpers, not a rule's steps.
import type { Expression } from '../expressions.js';
import type { FileContext, Raw } from './file-context.js';
import { checkNames, type Names } from './steps.js';

/** The names of every file's functions, first: any expression may call any of them. */
export function functionNames(files: readonly FileContext[]): Set<string> {
  const names = new Set<string>();
  for (const ctx of files) {
    if (!ctx.valid(['functions'])) continue;
    for (const name of Object.keys((ctx.data?.functions as Raw | undefined) ?? {})) names.add(name);
  }
  return names;
}

export function compileFunctions(ctx: FileContext, functions: Map<string, Expression>, global: Names): void {
  if (!ctx.valid(['functions'])) return;
  for (const [name, def] of Object.entries((ctx.data?.functions as Raw | undefined) ?? {})) {
    const path = ['functions', name];
    if (functions.has(name)) {
      ctx.report(path, 'duplicate-definition', `function '${name}' is defined twice`, true);
      continue;
    }
    const e = ctx.expression(path, def);
    if (!e) continue;
    if (!/^\s*function\s*\(/.test(String(def)))
      ctx.report(
        path,
        'expression',
        `function '${name}' must be a JSONata function definition: function($x) { ... }`,
      );
    checkNames(ctx, path, e, global);
    functions.set(name, e);
  }
}
