// What happens around every request on the OCCI listener, whatever it is: a request id (the
// client's X-Request-Id when sane, else a new one; echoed in the response), the header limits, the
// per-request deadline (504), tracking while in flight (for metrics and the shutdown drain), and
// when the response ends, one log line and the request metrics. A client that goes away before its
// answer is logged as such (status 499), not as a failure.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CategoryRegistry } from '../occi/registry.js';
import { SERVER_HEADER } from '../version.js';
import { sendOcciError } from './error-reply.js';
import { answerHealth, HEALTH_PATHS, type ReadinessCheck } from './health.js';
import type { Limits } from './limits.js';
import { type Log, loggableHeaders, loggablePath } from './log.js';
import type { ServerMetrics } from './metrics.js';
import { openRequestContext, type RequestContext, requestIdOf } from './request-context.js';
import { serverTelemetry } from './server-telemetry.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface EnvelopeOptions {
  log: Log;
  metrics: ServerMetrics;
  limits: Limits;
  readiness: ReadinessCheck;
  /** The provider's categories, to render errors raised outside the OCCI handler. */
  registry(): CategoryRegistry;
}

interface InFlight {
  req: IncomingMessage;
  res: ServerResponse;
  context: RequestContext;
}

export class RequestEnvelope {
  private readonly inFlight = new Set<InFlight>();
  private idle: (() => void) | undefined;
  private draining = false;

  constructor(private readonly options: EnvelopeOptions) {}

  /** The request listener: `handler` runs inside the request's context, within its deadline. */
  wrap(handler: Handler): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (HEALTH_PATHS.has(path)) {
        answerHealth(req, res, path, this.options.readiness).catch(() => res.destroy());
        return;
      }
      const { log, metrics, limits } = this.options;
      const context = openRequestContext(req, requestIdOf(req.headers['x-request-id']), log);
      context.telemetry = serverTelemetry(metrics, log, context);
      res.setHeader('Server', SERVER_HEADER);
      res.setHeader('X-Request-Id', context.id);
      if (this.draining) res.setHeader('Connection', 'close');
      const entry: InFlight = { req, res, context };
      this.inFlight.add(entry);
      metrics.inFlight.inc();
      const started = process.hrtime.bigint();
      const deadline = setTimeout(() => {
        this.refuse(
          entry,
          504,
          `the request did not complete within the deadline of ${limits.requestDeadlineMs / 1000} s`,
        );
      }, limits.requestDeadlineMs);
      res.once('close', () => {
        clearTimeout(deadline);
        this.inFlight.delete(entry);
        metrics.inFlight.dec();
        this.logAndCount(entry, Number(process.hrtime.bigint() - started) / 1e9);
        if (this.inFlight.size === 0) this.idle?.();
      });
      if (context.log.debugEnabled)
        context.log.debug('request received', {
          method: req.method,
          path: loggablePath(req.url ?? ''),
          headers: loggableHeaders(req.headers),
        });
      const tooMany = this.headerProblem(req);
      if (tooMany) {
        res.setHeader('Connection', 'close');
        this.refuse(entry, 431, tooMany);
        return;
      }
      handler(req, res).catch((e) => {
        context.log.error('response failed', { error: (e as Error)?.message });
        res.destroy();
      });
    };
  }

  /**
   * Node's parser limits the size of each header but not of many short ones (2,100 headers of 10
   * bytes pass its 16 KiB check), and drops lines past maxHeadersCount without a word: the limits
   * are checked here on what arrived (the listener keeps one line more than the limit to see it).
   */
  private headerProblem(req: IncomingMessage): string | undefined {
    const { maxHeadersCount, maxHeaderBytes } = this.options.limits;
    const raw = req.rawHeaders;
    if (raw.length / 2 > maxHeadersCount) return `more than ${maxHeadersCount} request header lines`;
    let bytes = 0;
    for (let i = 0; i < raw.length; i += 2) bytes += raw[i]!.length + raw[i + 1]!.length + 4; // "N: V\r\n"
    if (bytes > maxHeaderBytes)
      return `request headers of ${bytes} bytes exceed the limit of ${maxHeaderBytes} bytes`;
    return undefined;
  }

  private refuse(
    entry: InFlight,
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    sendOcciError(entry.req, entry.res, this.options.registry(), status, message, headers, entry.context.id);
  }

  private logAndCount(entry: InFlight, seconds: number): void {
    const { req, res, context } = entry;
    const answered = res.writableFinished;
    const status = answered ? res.statusCode : 499;
    const { operation, kind } = context;
    this.options.metrics.requests.inc({ operation, kind, status: String(status) });
    this.options.metrics.requestSeconds.observe({ operation, kind }, seconds);
    if (context.log.enabled?.('info') === false) return; // not written: its fields not built
    context.log.info(answered ? 'request' : 'client disconnected', {
      method: req.method,
      path: loggablePath(req.url ?? ''),
      status,
      operation,
      ...(kind !== '-' ? { kind } : {}),
      ...(context.rule ? { rule: context.rule } : {}),
      ...(context.backendCalls ? { backend: context.backend } : {}),
      ...(context.backendCalls > context.backend.length ? { backendCalls: context.backendCalls } : {}),
      ms: Math.round(seconds * 10_000) / 10,
    });
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  /**
   * Shutdown: answers keep-alive clients with Connection: close, waits up to timeoutMs for the
   * requests in flight, then answers those left with 503. Resolves with how many that was, once
   * those answers are written.
   */
  async drain(timeoutMs: number): Promise<number> {
    this.draining = true;
    for (const { res } of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    const left = [...this.inFlight].filter((e) => !e.res.headersSent);
    const written = left.map(
      (e) =>
        new Promise<void>((resolve) => {
          e.res.once('close', () => resolve());
          this.refuse(e, 503, 'the server is shutting down; retry the request', { 'Retry-After': '1' });
          if (e.res.destroyed) resolve();
        }),
    );
    await Promise.all(written);
    return left.length;
  }
}
