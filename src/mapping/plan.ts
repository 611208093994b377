// The compiled form of a rule set's backend mapping: immutable plans built once when the rules
// load. A rule's plan is its list of steps (backend calls and computed values) with every
// expression compiled, every path template parsed and every name it reads resolved to the step
// that defines it. Serving runs a plan; explain walks the same plan without sending.
import type { Position } from './build-categories.js';
import type { Expression, ExpressionLimits } from './expressions.js';
import type { PathTemplate } from './path-template.js';

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

export interface FaultPlan {
  message?: Expression;
  status: Record<string, number>;
}

/** A backend call: where it goes and what it sends. */
export interface CallPlan {
  service: string;
  method: string;
  path: PathTemplate;
  headers?: ReadonlyMap<string, Expression>;
  body?: Expression;
  expect?: readonly number[];
  origin: Position;
}

export interface WaitPlan {
  until: Expression;
  intervalMs: number;
  timeoutMs: number;
}

/** A step that calls the backend; its value is the answer's body (the list of them with forEach). */
export interface CallStep extends CallPlan {
  type: 'call';
  name: string;
  when?: Expression;
  forEach?: Expression;
  waitFor?: WaitPlan;
  faults?: FaultPlan;
  compensate?: CallPlan;
  /**
   * When the call's outcome is unknown (no answer, or a 5xx: the backend may have acted), this
   * call finds what it may have made (by the marker the step put in it); `answer` rebuilds the
   * lost answer from `$found` (undefined: nothing was made), so that `compensate` can undo it.
   * A step without `compensate` (a delete, a start) found done counts as made, with that answer.
   */
  findLost?: CallPlan & { answer: Expression };
  /** A clean-up after the rule's main work: its failure does not fail the request; it is retried later. */
  cleanup?: boolean;
}

/** A step that computes a value from the request and earlier steps. */
export interface ValueStep {
  type: 'value';
  name: string;
  when?: Expression;
  value: Expression;
  origin: Position;
  cleanup?: boolean;
}

export type StepPlan = CallStep | ValueStep;

export interface RulePlan {
  category: string;
  operation: OperationName;
  action?: string;
  when?: Expression;
  unsupported?: string;
  steps: readonly StepPlan[];
  result?: Expression;
  origin: Position;
}

export interface ServiceDefinition {
  catalog?: string;
  version?: string;
  url?: string;
}

export interface IdentityPlan {
  method: string;
  path: PathTemplate;
  body?: Expression;
  expect?: readonly number[];
  user: Expression;
  catalog: Expression;
  ttlSeconds: number;
  challenge?: string;
  origin: Position;
}

export interface TemplatePlan {
  name: string;
  scheme: string;
  location: string;
  depends: string;
  applies: readonly string[];
  ttlSeconds: number;
  steps: readonly StepPlan[];
  items: Expression;
  origin: Position;
}

/** How a backend object becomes an OCCI entity of a kind (`$entity(...)` in results). */
export interface EntityPlan {
  kind: string;
  /** Ids of this kind match it; anything else is 404 before any backend call. */
  idPattern?: RegExp;
  map: Expression;
  origin: Position;
}

export interface PassthroughRoute {
  prefix: string;
  service: string;
  origin: Position;
}

export interface MappingPlans {
  /** Rules by `category|operation|action`, in declaration order. */
  rules: ReadonlyMap<string, readonly RulePlan[]>;
  services: ReadonlyMap<string, ServiceDefinition>;
  identity?: IdentityPlan;
  tokenHeader: string;
  faults: FaultPlan;
  tables: Readonly<Record<string, Record<string, unknown>>>;
  /** Shared functions, by name: each a JSONata function definition (compiled alone, for check). */
  functions: ReadonlyMap<string, Expression>;
  /**
   * All shared functions bound in one block, yielding `{name: function}`: evaluated once per
   * request, so that functions see the request's helpers and each other (recursion included).
   */
  functionBlock?: Expression;
  entities: ReadonlyMap<string, EntityPlan>;
  templates: readonly TemplatePlan[];
  passthrough: readonly PassthroughRoute[];
  limits: ExpressionLimits;
  /** The provider mixin users' own mixins depend on, when the rules map user mixins to the backend. */
  userMixinBase?: string;
}

export function ruleKey(category: string, operation: OperationName, action?: string): string {
  return `${category}|${operation}|${action ?? ''}`;
}

/** Names every expression may read besides the steps of its rule. */
export const REQUEST_NAMES = ['request', 'id', 'requestId'] as const;

/** Names the engine binds for every expression: the tables and the helpers. */
export const HELPER_NAMES = ['tables', 'location', 'idOf', 'mixin', 'templates', 'fail', 'entity'] as const;
