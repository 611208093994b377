// What the server knows about the request being served: its id, its log (every line carries the
// id), the OCCI operation and kind it was routed to, the rule that maps it, the backend calls it
// made, and the Telemetry the engine reports to for it. Attached to the request object and passed
// explicitly (an AsyncLocalStorage would do it implicitly, but on Node 20 it slows every promise,
// and the engine's JSONata evaluation makes many: listings took twice as long).
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Operation } from '../engine/operation.js';
import type { Telemetry } from '../engine/telemetry.js';
import { typeId } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { Level, Log } from './log.js';

export interface BackendCallRecord {
  service: string;
  step: string;
  method: string;
  status: number | string;
  ms: number;
}

/** Backend calls kept per request for its log line (a list of 1,000 servers may make more). */
const MAX_RECORDED_CALLS = 50;

export interface RequestContext {
  readonly id: string;
  readonly log: Log;
  /** Metric labels: the OCCI operation ('list', 'create', ..., 'query', 'admin'; 'none' before routing). */
  operation: string;
  /** The kind or provider mixin the operation is on ('-' when none; user and template mixins are not named). */
  kind: string;
  /** Position of the rule that mapped the operation (logs only). */
  rule?: string;
  backend: BackendCallRecord[];
  backendCalls: number;
  /** Where the engine reports this request's rule, backend calls, compensations. */
  telemetry?: Telemetry;
}

const contexts = new WeakMap<IncomingMessage, RequestContext>();

/** Starts the context of a request (the request envelope does, before anything else). */
export function openRequestContext(req: IncomingMessage, id: string, log: Log): RequestContext {
  const context: RequestContext = {
    id,
    log: lazyChild(log, { reqId: id }),
    operation: 'none',
    kind: '-',
    backend: [],
    backendCalls: 0,
  };
  contexts.set(req, context);
  return context;
}

/**
 * A child log made only when a line is written: most requests (at the default levels, all but
 * their one closing line; at warn, none) never write one, and making a pino child costs.
 */
function lazyChild(log: Log, fields: Record<string, unknown>): Log {
  let child: Log | undefined;
  const made = (): Log => (child ??= log.child(fields));
  const at =
    (level: Level) =>
    (message: string, f?: Record<string, unknown>): void => {
      if (!child && log.enabled?.(level) === false) return; // not written: no child needed
      made()[level](message, f);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => made().child(more),
    enabled: (level) => log.enabled?.(level) ?? true,
    get debugEnabled() {
      return log.debugEnabled;
    },
  };
}

/** The context of a request (undefined for one that did not come through the envelope, as in unit tests). */
export function contextOf(req: IncomingMessage): RequestContext | undefined {
  return contexts.get(req);
}

/** Records what the request turned out to be (for its log line and metric labels). */
export function noteOperation(context: RequestContext | undefined, operation: string, kind = '-'): void {
  if (!context) return;
  context.operation = operation;
  context.kind = kind;
}

/** Notes an engine operation; categories outside the provider's registry (user mixins, templates) stay unnamed. */
export function noteEngineOperation(
  context: RequestContext | undefined,
  op: Operation,
  provider: CategoryRegistry,
): void {
  const [operation, kind] = labelsOf(op, provider);
  noteOperation(context, operation, kind);
}

function labelsOf(op: Operation, provider: CategoryRegistry): [string, string] {
  const named = (id: string, other: string) => (provider.get(id) ? id : other);
  switch (op.op) {
    case 'create':
      return [op.op, typeId(op.input.kind)];
    case 'get':
    case 'update':
    case 'replace':
    case 'delete':
    case 'action':
      return [op.op, typeId(op.entity.kind)];
    case 'list':
    case 'delete-all':
    case 'collection-action': {
      const c = op.collection;
      return [
        op.op,
        c.type === 'kind' ? typeId(c.kind) : c.type === 'mixin' ? named(typeId(c.mixin), 'mixin') : '-',
      ];
    }
    case 'associate':
    case 'dissociate':
    case 'set-members':
      return [op.op, named(typeId(op.mixin), 'mixin')];
  }
}

export function recordBackendCall(context: RequestContext, call: BackendCallRecord): void {
  context.backendCalls++;
  if (context.backend.length < MAX_RECORDED_CALLS) context.backend.push(call);
}

/** The client's X-Request-Id when it is a sane token (printable, short), a new UUID otherwise. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[A-Za-z0-9._:@/+=-]{1,128}$/.test(header) ? header : randomUUID();
}
