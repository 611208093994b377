// Operator-facing problems in rule files: every one carries its file, line and column, a stable
// code and a one-line hint. Problems are collected, never thrown one at a time, so that `check`
// reports all of them at once. The catalogue below is documented in docs/mapping.md (a test keeps
// the two in step).

export interface Problem {
  file: string;
  line: number;
  col: number;
  code: ProblemCode;
  message: string;
  hint: string;
}

export const PROBLEM_CATALOGUE = {
  'yaml-syntax': 'Fix the YAML syntax at this position (indentation, quotes, colons).',
  schema:
    'The key or value does not fit the rule-file schema (schemas/mapping.schema.json); your editor can show it.',
  'unreadable-file': 'Check that the file exists and is readable.',
  'no-rule-files': 'Point at a directory holding *.yaml rule files.',
  'duplicate-category': 'Each scheme+term may be declared once across all rule files; remove or rename one.',
  'duplicate-location': 'Two kinds or mixins share a location; give each a unique path ending in /.',
  'unknown-parent': 'A kind parent must be core#resource, core#link or a kind declared in some rule file.',
  'parent-cycle': 'Kind parents must not form a cycle.',
  'unknown-action': 'Declare the action under `actions:` in some rule file, or fix its type identifier.',
  'unknown-mixin': 'Declare the mixin under `mixins:` in some rule file, or fix its type identifier.',
  'unknown-kind': 'Declare the kind under `kinds:` in some rule file, or fix its type identifier.',
  'bad-default': 'The default value does not match the attribute type or enum.',
  expression: 'Fix the JSONata expression (https://docs.jsonata.org); $eval is not allowed.',
  'unknown-service': 'Declare the service under `services:` in some rule file, or fix its name.',
  'unbound-variable':
    'Name the value with a step before this one (`value:` computes one); $request, $id and $item are always there.',
  'reads-input':
    'Rule expressions read named values ($request, $id, $<step>): write `$server.server.id`, not `server.server.id`.',
  'unknown-function':
    'Use a JSONata function (https://docs.jsonata.org), a helper, or one defined under `functions:`.',
  'reserved-name': 'Rename the step: helpers, shared functions, request, id, item and requestId are taken.',
  'old-version':
    'Rule language 1 was replaced by 2 (docs/mapping.md, "From version 1"): values are $names, `bind`/`params` became value steps.',
  'action-without-rule':
    'Every action a mapped kind offers needs a rule (use `unsupported:` for ones the backend cannot do).',
  'missing-action': 'A rule with operation: action names the action it maps with `action:`.',
  'action-not-offered': "The action must be listed in the `actions` of the rule's kind or mixin.",
  'duplicate-step': 'Step names must be unique within a rule.',
  'duplicate-definition': 'This may be defined once across all rule files; remove one.',
  'unreachable-rule':
    'An earlier rule for the same operation has no `when` and always matches; add a `when` or reorder.',
} as const satisfies Record<string, string>;

export type ProblemCode = keyof typeof PROBLEM_CATALOGUE;

export function problem(
  where: { file: string; line: number; col: number },
  code: ProblemCode,
  message: string,
): Problem {
  return { ...where, code, message, hint: PROBLEM_CATALOGUE[code] };
}

/** `file:line:col code: message (hint)`, the format `snf-occi check` prints. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col} ${p.code}: ${p.message}\n    hint: ${p.hint}`;
}
