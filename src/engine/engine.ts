// The mapping engine: carries out OCCI operations through the rules of the request's rule set,
// with the caller's credentials. Everything a request depends on (rule set, caller, request id)
// is passed in; the engine keeps only caches (sessions, template lists) that never change an
// answer. Explain runs the very same code with a backend that records instead of sending.
import { BackendClient, type BackendResponse } from '../backend/backend-client.js';
import type { RuleSet } from '../mapping/load-rules.js';
import type { OcciError } from '../occi/errors.js';
import type { Category } from '../occi/model.js';
import type {
  Caller,
  EntityService,
  Operation,
  OperationContext,
  OperationResult,
  PassthroughTarget,
  RequestContext,
} from './operation.js';
import { Aftercare, type AftercareEvents } from './aftercare.js';
import { OperationRunner } from './operations.js';
import { requestScope } from './request-scope.js';
import type { Backend, PlannedCall, RunContext } from './run-plan.js';
import { type Session, SessionCache } from './sessions.js';
import { TemplateCache } from './templates.js';

export interface EngineLog {
  debug?(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface EngineOptions {
  /** Identity URL of the backend (e.g. https://accounts.example.org/identity/v2.0); none: services need fixed URLs. */
  identityUrl?: string;
  client?: BackendClient;
  log?: EngineLog;
  /** Pauses between retries of failed compensations and clean-ups (default DEFAULT_RETRY_DELAYS_MS). */
  retryDelaysMs?: readonly number[];
  events?: AftercareEvents;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class MappingEngine implements EntityService {
  readonly client: BackendClient;
  readonly sessions: SessionCache;
  private readonly templates: TemplateCache;
  /** Retries of what failed after a request was answered (compensations, clean-ups). */
  readonly aftercare: Aftercare;

  constructor(private readonly options: EngineOptions = {}) {
    this.client = options.client ?? new BackendClient();
    this.sessions = new SessionCache(this.client, options.identityUrl);
    this.templates = new TemplateCache(options.log);
    this.aftercare = new Aftercare(options.log, options.events, options.retryDelaysMs);
  }

  close(): Promise<void> {
    this.aftercare.close();
    return this.client.close();
  }

  async identify(ruleSet: RuleSet, caller: Caller): Promise<string | undefined> {
    if (!ruleSet.mapping.identity || !this.options.identityUrl || !caller.token) return undefined;
    return (await this.sessions.resolve(ruleSet.mapping, caller.token)).userId;
  }

  unauthorized(ruleSet: RuleSet, message: string): OcciError {
    return this.sessions.unauthorized(ruleSet.mapping, message);
  }

  async passthrough(
    context: RequestContext,
    path: string,
    search: string,
  ): Promise<PassthroughTarget | undefined> {
    const { mapping } = context.ruleSet;
    const route = mapping.passthrough.find((p) => path.startsWith(p.prefix));
    if (!route) return undefined;
    const session = await this.sessions.resolve(mapping, context.caller.token);
    const base = this.sessions.serviceUrl(mapping, session, route.service);
    const headers: Record<string, string> = {};
    if (context.caller.token) headers[mapping.tokenHeader.toLowerCase()] = context.caller.token;
    return { url: `${base}/${path.slice(route.prefix.length)}${search ? `?${search}` : ''}`, headers };
  }

  /** The backend that sends a request's calls with the caller's token, to the services of their catalog. */
  backend(context: RequestContext, session: Session): Backend {
    const { mapping } = context.ruleSet;
    const log = this.options.log;
    return {
      send: async (call: PlannedCall): Promise<BackendResponse> => {
        const base = this.sessions.serviceUrl(mapping, session, call.service);
        const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
        if (context.caller.token) headers[mapping.tokenHeader.toLowerCase()] = context.caller.token;
        log?.debug?.('backend call', {
          requestId: context.requestId,
          service: call.service,
          method: call.method,
          path: call.path,
          step: call.step,
        });
        return this.client.send({
          method: call.method,
          url: base + call.path,
          headers,
          ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
          ...(context.signal ? { signal: context.signal } : {}),
        });
      },
      sleep,
      later: (what, task) => this.aftercare.add(context.requestId, what, task),
    };
  }

  private async runner(context: OperationContext): Promise<OperationRunner> {
    const session = await this.sessions.resolve(context.ruleSet.mapping, context.caller.token);
    const { scope, budget } = await requestScope(
      context.ruleSet.mapping,
      context.registry,
      context.requestId,
    );
    const ctx: RunContext = {
      mapping: context.ruleSet.mapping,
      backend: this.backend(context, session),
      budget,
    };
    return new OperationRunner(context.ruleSet, context.registry, scope, ctx);
  }

  async execute(op: Operation, context: OperationContext): Promise<OperationResult> {
    return (await this.runner(context)).execute(op);
  }

  /** The template mixins this caller sees (the same array while it is fresh). */
  async categories(context: RequestContext): Promise<Category[]> {
    const { ruleSet, caller } = context;
    if (ruleSet.mapping.templates.length === 0 || !caller.token) return [];
    return this.templates.get(ruleSet, caller.userKey ?? 'anonymous', async () => {
      const session = await this.sessions.resolve(ruleSet.mapping, caller.token);
      const { scope, budget } = await requestScope(ruleSet.mapping, ruleSet.registry, context.requestId);
      return { ctx: { mapping: ruleSet.mapping, backend: this.backend(context, session), budget }, scope };
    });
  }
}
