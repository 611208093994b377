// `snf-occi check [dir]`: loads a rules directory and prints every problem with its position.
import { DEFAULT_RULES_DIR } from './default-rules.js';
import { loadRules } from './load-rules.js';
import { formatProblem } from './problems.js';
import { ruleExpressions } from './rule-expressions.js';

export const checkCommand = {
  summary: 'Check rule files and print every problem with file:line:col',
  usage: `Usage: snf-occi check [DIR]

Loads every *.yaml rule file under DIR (default: the shipped mappings/), validates them against
schemas/mapping.schema.json, compiles every JSONata expression and cross-checks references.
Prints each problem as file:line:col code: message, with a hint, and a warning for each
expression the compiler does not cover (it then runs on the slower jsonata library; warnings do
not fail the check).
Exit status: 0 when the rules are clean, 1 when there are problems, 2 on usage errors.`,
  async run(args: string[]): Promise<number> {
    const positional = args.filter((a) => !a.startsWith('-'));
    const unknown = args.filter((a) => a.startsWith('-'));
    if (unknown.length || positional.length > 1) {
      console.error(
        `snf-occi check: unexpected argument '${unknown[0] ?? positional[1]}'\n\n${checkCommand.usage}`,
      );
      return 2;
    }
    const dir = positional[0] ?? DEFAULT_RULES_DIR;
    const result = await loadRules(dir);
    if (result.problems.length > 0) {
      for (const p of result.problems) console.log(formatProblem(p));
      const files = new Set(result.problems.map((p) => p.file)).size;
      console.log(
        `\n${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`,
      );
      return 1;
    }
    const rs = result.ruleSet!;
    const fallbacks = ruleExpressions(rs.mapping).filter((f) => !f.expression.compiled);
    for (const { expression, origin } of fallbacks) {
      const at = origin ? `${origin.file}:${origin.line}:${origin.col}` : '(rules)';
      const first = expression.source.trim().split('\n')[0]!.slice(0, 60);
      console.log(
        `${at} warning: expression runs on the jsonata library (${expression.fallbackReason}): ${first}`,
      );
    }
    const rules = [...rs.mapping.rules.values()].reduce((n, list) => n + list.length, 0);
    console.log(
      `ok: ${rs.files.length} files, ${rs.registry.all().length} categories, ${rules} rules, ${rs.mapping.templates.length} templates, ${rs.mapping.services.size} services` +
        (fallbacks.length ? `, ${fallbacks.length} warning${fallbacks.length === 1 ? '' : 's'}` : ''),
    );
    const l = rs.mapping.limits;
    console.log(
      `limits per request: ${l.maxSteps} evaluation steps, depth ${l.maxDepth}, output ${l.maxOutput} (counted, not timed)`,
    );
    return 0;
  },
};
