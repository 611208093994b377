// Compiles the rule sections of rule files (services, identity, faults, tables, rules, templates,
// passthrough) into ready-to-run structures: every JSONata expression compiled once, every path
// template parsed, and every cross-reference checked (categories, actions, services, variables).
import { type Category, typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { Position } from './build-categories.js';
import { compileExpression, type Expression, type ExpressionError } from './expressions.js';
import { parsePathTemplate, type PathTemplate } from './path-template.js';
import { type Problem, type ProblemCode, problem } from './problems.js';
import type { CheckedFile } from './source-file.js';

export type OperationName =
  | 'list'
  | 'get'
  | 'create'
  | 'update'
  | 'replace'
  | 'delete'
  | 'action'
  | 'associate'
  | 'dissociate';

export interface CompiledFaults {
  message?: Expression;
  status: Record<string, number>;
}

export interface CompiledCall {
  service: string;
  method: string;
  path: PathTemplate;
  query?: Map<string, Expression>;
  headers?: Map<string, Expression>;
  body?: Expression;
  expect?: number[];
  origin: Position;
}

export interface CompiledStep extends CompiledCall {
  name: string;
  params?: Map<string, Expression>;
  when?: Expression;
  forEach?: Expression;
  waitFor?: { until: Expression; intervalMs: number; timeoutMs: number };
  bind?: Map<string, Expression>;
  faults?: CompiledFaults;
  compensate?: CompiledCall;
}

export interface CompiledRule {
  category: string;
  operation: OperationName;
  action?: string;
  when?: Expression;
  unsupported?: string;
  bind?: Map<string, Expression>;
  steps: CompiledStep[];
  result?: Expression;
  origin: Position;
}

export interface ServiceDefinition {
  catalog?: string;
  version?: string;
  url?: string;
}

export interface CompiledIdentity {
  method: string;
  path: PathTemplate;
  body?: Expression;
  expect?: number[];
  user: Expression;
  catalog: Expression;
  ttlSeconds: number;
  challenge?: string;
  origin: Position;
}

export interface CompiledTemplate {
  name: string;
  scheme: string;
  location: string;
  depends: string;
  applies: string[];
  ttlSeconds: number;
  steps: CompiledStep[];
  items: Expression;
  origin: Position;
}

export interface MappingRules {
  /** Rules by `category|operation|action`, in declaration order. */
  rules: Map<string, CompiledRule[]>;
  services: Map<string, ServiceDefinition>;
  identity?: CompiledIdentity;
  tokenHeader: string;
  faults: CompiledFaults;
  tables: Record<string, Record<string, unknown>>;
  templates: CompiledTemplate[];
  passthrough: { prefix: string; service: string; origin: Position }[];
  /** The provider mixin users' own mixins depend on, when the rules map user mixins to the backend. */
  userMixinBase?: string;
}

export function ruleKey(category: string, operation: OperationName, action?: string): string {
  return `${category}|${operation}|${action ?? ''}`;
}

/** Names every rule expression may use besides its own bindings. */
const BUILTIN_VARIABLES = ['id'];

/** Bound for every expression by the engine: the tables and the helpers (see mapping-service.ts). */
const GLOBAL_VARIABLES = ['tables', 'location', 'idOf', 'mixin', 'templates', 'fail', '__guard'];

/** Every name a list of raw steps binds (params and bind), for the variable check. */
function stepNames(steps: unknown): string[] {
  if (!Array.isArray(steps)) return [];
  return steps.flatMap((s: Raw) => [
    ...Object.keys((s?.params as Raw) ?? {}),
    ...Object.keys((s?.bind as Raw) ?? {}),
  ]);
}

type Raw = Record<string, unknown>;
type Path = (string | number)[];

/** Shared function definitions, inlined into the expressions that call them. */
export interface FunctionLibrary {
  definitions: Map<string, string>;
}

class Compiler {
  readonly problems: Problem[] = [];
  constructor(
    private readonly file: CheckedFile,
    private readonly library: FunctionLibrary = { definitions: new Map() },
  ) {}

  /** `( $f := function(...) {...}; <source> )` for the library functions the source calls. */
  private withLibrary(source: string): { text: string; offset: number } {
    const used = new Set<string>();
    const visit = (text: string) => {
      for (const [name, def] of this.library.definitions) {
        if (!used.has(name) && new RegExp(`\\$${name}\\b`).test(text)) {
          used.add(name);
          visit(def);
        }
      }
    };
    visit(source);
    if (used.size === 0) return { text: source, offset: 0 };
    const prelude = `(${[...used].map((n) => `$${n} := ${this.library.definitions.get(n)}`).join('; ')}; `;
    return { text: `${prelude}${source}\n)`, offset: prelude.length };
  }

  /** Expressions compiled since the last checkVariables(), for the variable check. */
  private compiled: { path: Path; expression: Expression }[] = [];

  /**
   * Reports variables the expressions compiled since the last call read but nothing binds: the
   * names the enclosing rule (or template, or identity) binds anywhere, plus those every
   * expression has. A variable nothing binds would silently be undefined at run time.
   */
  checkVariables(bound: Iterable<string>): void {
    const known = new Set([...bound, ...GLOBAL_VARIABLES, ...this.library.definitions.keys()]);
    for (const { path, expression } of this.compiled) {
      for (const name of expression.freeVariables) {
        if (!known.has(name)) this.report(path, 'unbound-variable', `variable $${name} is not bound here`);
      }
    }
    this.compiled = [];
  }

  report(path: Path, code: ProblemCode, message: string, key = false): void {
    this.problems.push(problem(this.file.positionOf(path, key), code, message));
  }

  /** Compiles an expression; on error reports it at its position inside the YAML scalar. */
  expression(path: Path, source: unknown): Expression | undefined {
    if (typeof source !== 'string') return undefined;
    const { text, offset } = this.withLibrary(source);
    try {
      const compiled = compileExpression(text);
      this.compiled.push({ path, expression: compiled });
      return compiled;
    } catch (e) {
      const err = e as ExpressionError;
      const position = err.position === undefined ? undefined : Math.max(0, err.position - offset);
      this.problems.push(problem(this.positionInScalar(path, source, position), 'expression', err.message));
      return undefined;
    }
  }

  private positionInScalar(path: Path, source: string, offset: number | undefined): Position {
    const start = this.file.positionOf(path);
    if (offset === undefined) return start;
    const before = source.slice(0, Math.max(0, offset - 1));
    const lines = before.split('\n');
    const line = lines.length - 1;
    const col = lines[lines.length - 1]!.length;
    // Single-line scalars: the expression starts at the scalar (after a quote, if quoted).
    if (!source.includes('\n')) {
      const quoted = this.file.charAt(start) === '"' || this.file.charAt(start) === "'";
      return { ...start, col: start.col + col + (quoted ? 1 : 0) };
    }
    // Block scalars start on the line after the indicator, at the content's indentation.
    const indent = this.file.indentOf(start.line + 1);
    return { ...start, line: start.line + 1 + line, col: indent + col + 1 };
  }

  expressionMap(path: Path, raw: unknown): Map<string, Expression> | undefined {
    if (!raw || typeof raw !== 'object') return undefined;
    const out = new Map<string, Expression>();
    for (const [name, source] of Object.entries(raw as Raw)) {
      const e = this.expression([...path, name], source);
      if (e) out.set(name, e);
    }
    return out;
  }

  faults(path: Path, raw: unknown): CompiledFaults | undefined {
    if (!raw || typeof raw !== 'object') return undefined;
    const r = raw as Raw;
    const out: CompiledFaults = { status: (r.status as Record<string, number>) ?? {} };
    const message = this.expression([...path, 'message'], r.message);
    if (message) out.message = message;
    return out;
  }

  call(path: Path, raw: Raw, services: ReadonlySet<string>, bound: ReadonlySet<string>): CompiledCall {
    const service = String(raw.service);
    if (!services.has(service))
      this.report([...path, 'service'], 'unknown-service', `service '${service}' is not declared`);
    const template = parsePathTemplate(String(raw.path));
    for (const v of template.variables) {
      if (!bound.has(v))
        this.report([...path, 'path'], 'unbound-variable', `path variable {${v}} is not bound here`);
    }
    const call: CompiledCall = {
      service,
      method: String(raw.method),
      path: template,
      origin: this.file.positionOf(path),
    };
    const query = this.expressionMap([...path, 'query'], raw.query);
    if (query) call.query = query;
    const headers = this.expressionMap([...path, 'headers'], raw.headers);
    if (headers) call.headers = headers;
    const body = this.expression([...path, 'body'], raw.body);
    if (body) call.body = body;
    if (Array.isArray(raw.expect)) call.expect = raw.expect as number[];
    return call;
  }

  /** Compiles steps; `bound` grows with each step's `bind`. */
  steps(path: Path, raw: unknown, services: ReadonlySet<string>, bound: Set<string>): CompiledStep[] {
    if (!Array.isArray(raw)) return [];
    const names = new Set<string>();
    return raw.map((r: Raw, i) => {
      const stepPath = [...path, i];
      const name = String(r.name);
      if (names.has(name))
        this.report([...stepPath, 'name'], 'duplicate-step', `step '${name}' is defined twice in this rule`);
      names.add(name);
      const params = this.expressionMap([...stepPath, 'params'], r.params);
      const local = new Set([...bound, ...(params?.keys() ?? [])]);
      const step: CompiledStep = { ...this.call(stepPath, r, services, local), name };
      if (params) step.params = params;
      const when = this.expression([...stepPath, 'when'], r.when);
      if (when) step.when = when;
      const forEach = this.expression([...stepPath, 'forEach'], r.forEach);
      if (forEach) step.forEach = forEach;
      const waitFor = r.waitFor as Raw | undefined;
      if (waitFor) {
        const until = this.expression([...stepPath, 'waitFor', 'until'], waitFor.until);
        if (until) {
          step.waitFor = {
            until,
            intervalMs: (waitFor.intervalMs as number | undefined) ?? 500,
            timeoutMs: (waitFor.timeoutMs as number | undefined) ?? 30_000,
          };
        }
      }
      const bind = this.expressionMap([...stepPath, 'bind'], r.bind);
      if (bind) {
        step.bind = bind;
        for (const b of bind.keys()) bound.add(b);
      }
      const faults = this.faults([...stepPath, 'faults'], r.faults);
      if (faults) step.faults = faults;
      if (r.compensate)
        step.compensate = this.call(
          [...stepPath, 'compensate'],
          r.compensate as Raw,
          services,
          new Set([...local, ...bound]),
        );
      return step;
    });
  }
}

export function compileRules(
  files: readonly CheckedFile[],
  registry: CategoryRegistry,
): { rules: MappingRules; problems: Problem[] } {
  const problems: Problem[] = [];
  // Actions a kind or mixin offers, inherited ones included (as requests see them).
  const offered = (c: Category) =>
    c.class === 'kind'
      ? registry.effectiveActions(typeId(c))
      : c.class === 'mixin'
        ? registry.effectiveActions('', [typeId(c)])
        : [];
  const rules: MappingRules = {
    rules: new Map(),
    services: new Map(),
    tokenHeader: 'X-Auth-Token',
    faults: { status: {} },
    tables: {},
    templates: [],
    passthrough: [],
  };
  const singletons = new Map<string, Position>();
  const brokenServices = new Set<string>();

  // Services first: rules in any file may use services declared in any other.
  for (const file of files) {
    const data = file.data as Raw | undefined;
    if (!data || typeof data.services !== 'object' || data.services === null) continue;
    for (const [name, def] of Object.entries((data.services as Raw | undefined) ?? {})) {
      if (rules.services.has(name)) {
        problems.push(
          problem(
            file.positionOf(['services', name], true),
            'duplicate-definition',
            `service '${name}' is declared twice`,
          ),
        );
      }
      // A service with schema errors is still known by name: its uses then report nothing more.
      if (file.isValid(['services', name])) rules.services.set(name, def as ServiceDefinition);
      else brokenServices.add(name);
    }
  }
  const services = new Set([...rules.services.keys(), ...brokenServices]);
  const mapped = new Set<string>();
  const library: FunctionLibrary = { definitions: new Map() };
  for (const file of files) {
    const data = file.data as Raw | undefined;
    if (!data || !file.isValid(['functions'])) continue;
    const c = new Compiler(file);
    for (const [name, def] of Object.entries((data.functions as Raw | undefined) ?? {})) {
      if (library.definitions.has(name))
        c.report(['functions', name], 'duplicate-definition', `function '${name}' is defined twice`, true);
      else if (c.expression(['functions', name], def)) library.definitions.set(name, String(def));
    }
    problems.push(...c.problems);
  }

  for (const file of files) {
    const data = file.data as Raw | undefined;
    if (!data || typeof data !== 'object') continue;
    const c = new Compiler(file, library);
    const single = (key: string) => {
      if (data[key] === undefined || !file.isValid([key])) return false;
      const first = singletons.get(key);
      if (first) {
        c.report(
          [key],
          'duplicate-definition',
          `'${key}' is already defined at ${first.file}:${first.line}`,
          true,
        );
        return false;
      }
      singletons.set(key, file.positionOf([key], true));
      return true;
    };
    if (single('tokenHeader')) rules.tokenHeader = String(data.tokenHeader);
    if (single('userMixins')) {
      const base = String((data.userMixins as Raw).dependOn);
      if (!registry.mixin(base))
        c.report(['userMixins', 'dependOn'], 'unknown-mixin', `mixin '${base}' is not declared`);
      rules.userMixinBase = base;
    }
    if (single('faults')) rules.faults = c.faults(['faults'], data.faults) ?? rules.faults;
    c.checkVariables([]);
    if (data.tables && file.isValid(['tables'])) {
      for (const [name, table] of Object.entries(data.tables as Raw)) {
        if (rules.tables[name])
          c.report(['tables', name], 'duplicate-definition', `table '${name}' is defined twice`, true);
        rules.tables[name] = table as Record<string, unknown>;
      }
    }
    if (single('identity')) {
      const raw = data.identity as Raw;
      const path = parsePathTemplate(String(raw.path));
      const user = c.expression(['identity', 'user'], raw.user);
      const catalog = c.expression(['identity', 'catalog'], raw.catalog);
      const body = c.expression(['identity', 'body'], raw.body);
      if (user && catalog) {
        rules.identity = {
          method: String(raw.method),
          path,
          user,
          catalog,
          ttlSeconds: (raw.ttlSeconds as number | undefined) ?? 60,
          origin: file.positionOf(['identity']),
          ...(body ? { body } : {}),
          ...(Array.isArray(raw.expect) ? { expect: raw.expect as number[] } : {}),
          ...(typeof raw.challenge === 'string' ? { challenge: raw.challenge } : {}),
        };
      }
      c.checkVariables(['token']);
    }
    (Array.isArray(data.passthrough) ? (data.passthrough as Raw[]) : []).forEach((p, i) => {
      if (!file.isValid(['passthrough', i])) return;
      if (!services.has(String(p.service)))
        c.report(
          ['passthrough', i, 'service'],
          'unknown-service',
          `service '${String(p.service)}' is not declared`,
        );
      rules.passthrough.push({
        prefix: String(p.prefix),
        service: String(p.service),
        origin: file.positionOf(['passthrough', i]),
      });
    });
    (Array.isArray(data.templates) ? (data.templates as Raw[]) : []).forEach((t, i) => {
      const path: Path = ['templates', i];
      if (!file.isValid(path)) return;
      if (!registry.mixin(String(t.depends)))
        c.report([...path, 'depends'], 'unknown-mixin', `mixin '${String(t.depends)}' is not declared`);
      for (const [j, k] of ((t.applies as string[] | undefined) ?? []).entries()) {
        if (!registry.kind(k))
          c.report([...path, 'applies', j], 'unknown-kind', `kind '${k}' is not declared`);
      }
      const steps = c.steps([...path, 'steps'], t.steps, services, new Set());
      const items = c.expression([...path, 'items'], t.items);
      c.checkVariables(stepNames(t.steps));
      if (!items) return;
      rules.templates.push({
        name: String(t.name),
        scheme: String(t.scheme),
        location: String(t.location),
        depends: String(t.depends),
        applies: (t.applies as string[] | undefined) ?? [],
        ttlSeconds: (t.ttlSeconds as number | undefined) ?? 300,
        steps,
        items,
        origin: file.positionOf(path),
      });
    });
    (Array.isArray(data.rules) ? (data.rules as Raw[]) : []).forEach((r, i) => {
      const path: Path = ['rules', i];
      if (!file.isValid(path)) return;
      const category = String(r.category);
      const operation = r.operation as OperationName;
      const target = registry.get(category);
      if (!target || target.class === 'action') {
        c.report([...path, 'category'], 'unknown-kind', `'${category}' is not a declared kind or mixin`);
        return;
      }
      const action = r.action === undefined ? undefined : String(r.action);
      if (operation === 'action') {
        if (!action)
          c.report(path, 'missing-action', `rule for operation 'action' on '${category}' names no action`);
        else if (!registry.action(action))
          c.report([...path, 'action'], 'unknown-action', `action '${action}' is not declared`);
        else if (!offered(target).includes(action))
          c.report(
            [...path, 'action'],
            'action-not-offered',
            `'${category}' does not offer action '${action}'`,
          );
      }
      const bound = new Set([...BUILTIN_VARIABLES]);
      const bind = c.expressionMap([...path, 'bind'], r.bind);
      for (const b of bind?.keys() ?? []) bound.add(b);
      const compiled: CompiledRule = {
        category,
        operation,
        steps: c.steps([...path, 'steps'], r.steps, services, bound),
        origin: file.positionOf(path),
      };
      if (action) compiled.action = action;
      if (bind) compiled.bind = bind;
      const when = c.expression([...path, 'when'], r.when);
      if (when) compiled.when = when;
      if (typeof r.unsupported === 'string') compiled.unsupported = r.unsupported;
      const result = c.expression([...path, 'result'], r.result);
      if (result) compiled.result = result;
      c.checkVariables([
        ...BUILTIN_VARIABLES,
        ...Object.keys((r.bind as Raw | undefined) ?? {}),
        ...stepNames(r.steps),
      ]);
      const key = ruleKey(category, operation, action);
      const list = rules.rules.get(key) ?? [];
      const shadowing = list.find((x) => !x.when);
      if (shadowing) {
        c.report(
          path,
          'unreachable-rule',
          `an earlier rule for ${operation} on '${category}' (${shadowing.origin.file}:${shadowing.origin.line}) always matches`,
        );
      }
      list.push(compiled);
      rules.rules.set(key, list);
      mapped.add(category);
    });
    problems.push(...c.problems);
  }

  // Every action a mapped kind offers needs a rule, even if only to say it is unsupported.
  for (const category of mapped) {
    const target = registry.get(category);
    if (!target || target.class === 'action') continue;
    for (const action of offered(target)) {
      if (rules.rules.has(ruleKey(category, 'action', action))) continue;
      const first = [...rules.rules.values()].flat().find((r) => r.category === category);
      if (first) {
        problems.push(
          problem(
            first.origin,
            'action-without-rule',
            `'${typeId(target)}' offers action '${action}' but no rule maps it`,
          ),
        );
      }
    }
  }
  return { rules, problems };
}
