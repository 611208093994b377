// The HTTP client for backend calls: undici with keep-alive pools, connect/header/body deadlines
// and a response size limit. Transport failures become BackendFailure with a kind the fault
// translation turns into 502 or 504. The caller's token travels in a header and is never logged.
// Each call ends with a report to its observer (its label, status or failure kind, and duration).
import { performance } from 'node:perf_hooks';
import { Agent, errors, request } from 'undici';

export interface BackendClientOptions {
  /** Time to open a connection, in ms. */
  connectTimeoutMs: number;
  /** Time from sending a request to the end of the response headers, in ms. */
  headersTimeoutMs: number;
  /** Longest pause while receiving a response body, in ms. */
  bodyTimeoutMs: number;
  maxResponseBytes: number;
  keepAliveTimeoutMs: number;
  /** Most connections per backend origin. */
  connections: number;
  /** Told of every call without an observer of its own, once it ends (for metrics). */
  observer?: CallObserver;
}

/** Who is told of a call once it ends: `status` is the HTTP status or the failure kind. */
export interface CallObserver {
  onBackendCall(
    service: string,
    step: string,
    method: string,
    status: number | string,
    seconds: number,
  ): void;
}

export const DEFAULT_BACKEND_OPTIONS: BackendClientOptions = {
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  maxResponseBytes: 10 * 1024 * 1024,
  keepAliveTimeoutMs: 4_000,
  connections: 256,
};

export interface BackendRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** What the call is for, as reported to the observer: the rules' service and step names. */
  label?: { service: string; step: string };
  /** Told of this call once it ends (e.g. the request's own telemetry); default the client's. */
  observer?: CallObserver;
}

export interface BackendResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; undefined when empty. */
  body: unknown;
}

export type FailureKind = 'unreachable' | 'timeout' | 'too-large' | 'bad-response';

export class BackendFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text (already parsed, so well-formed) nests objects and arrays more than
 * MAX_JSON_DEPTH deep. JSON.parse sets no depth limit of its own (V8 parses 10,000 levels
 * without complaint), and later recursive walks of such a value would overflow the stack. One
 * pass over the text, jumping over strings with indexOf: no walk of the parsed value, no recursion.
 */
function nestsTooDeep(text: string): boolean {
  if (fewOpenings(text)) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // To the closing quote: the next quote preceded by an even number of backslashes.
      for (i = text.indexOf('"', i + 1); i > 0; i = text.indexOf('"', i + 1)) {
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      if (i < 0) return false;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}

/**
 * Whether the text opens at most MAX_JSON_DEPTH objects and arrays in all (brackets inside strings
 * counted too): then it cannot nest deeper. Found with indexOf, much faster than the scan above on
 * the small bodies most calls answer.
 */
function fewOpenings(text: string): boolean {
  let count = 0;
  for (const opening of ['{', '[']) {
    for (let i = text.indexOf(opening); i >= 0; i = text.indexOf(opening, i + 1))
      if (++count > MAX_JSON_DEPTH) return false;
  }
  return true;
}

export class BackendClient {
  private readonly agent: Agent;
  private readonly observer: CallObserver | undefined;

  constructor(options: BackendClientOptions = DEFAULT_BACKEND_OPTIONS) {
    this.observer = options.observer;
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      connections: options.connections,
      maxResponseSize: options.maxResponseBytes,
    });
  }

  async send(req: BackendRequest): Promise<BackendResponse> {
    const observer = req.observer ?? this.observer;
    if (!observer) return this.exchange(req);
    const started = performance.now();
    const report = (status: number | string) =>
      observer.onBackendCall(
        req.label?.service ?? '-',
        req.label?.step ?? '-',
        req.method,
        status,
        (performance.now() - started) / 1000,
      );
    try {
      const res = await this.exchange(req);
      report(res.status);
      return res;
    } catch (e) {
      report(e instanceof BackendFailure ? e.kind : 'error');
      throw e;
    }
  }

  private async exchange(req: BackendRequest): Promise<BackendResponse> {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(req.url, {
        method: req.method as 'GET',
        headers:
          req.body === undefined ? req.headers : { 'content-type': 'application/json', ...req.headers },
        body: req.body,
        dispatcher: this.agent,
        signal: req.signal,
      });
    } catch (e) {
      throw translate(e);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      throw translate(e);
    }
    let body: unknown;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        // A non-JSON error page from a proxy in front of the backend: keep the status, drop the text.
        if (res.statusCode < 400)
          throw new BackendFailure(
            'bad-response',
            `backend answered ${res.statusCode} with a body that is not JSON`,
          );
        body = undefined;
      }
      if (body !== undefined && nestsTooDeep(text))
        throw new BackendFailure(
          'bad-response',
          `backend answered JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
        );
    }
    return { status: res.statusCode, headers: res.headers, body };
  }

  /** Closes the connections once the calls running on them end. */
  close(): Promise<void> {
    return this.agent.close();
  }

  /** Closes the connections now, failing the calls running on them (at shutdown). */
  destroy(): Promise<void> {
    return this.agent.destroy();
  }
}

function translate(e: unknown): BackendFailure {
  if (e instanceof BackendFailure) return e;
  if (
    e instanceof errors.HeadersTimeoutError ||
    e instanceof errors.BodyTimeoutError ||
    e instanceof errors.ConnectTimeoutError
  ) {
    return new BackendFailure('timeout', 'backend did not answer in time');
  }
  if (e instanceof errors.ResponseExceededMaxSizeError)
    return new BackendFailure('too-large', 'backend response too large');
  if ((e as Error)?.name === 'AbortError' || (e as Error)?.name === 'TimeoutError') {
    return new BackendFailure('timeout', 'backend call exceeded the request deadline');
  }
  const code = (e as NodeJS.ErrnoException)?.code ?? (e as { cause?: NodeJS.ErrnoException })?.cause?.code;
  return new BackendFailure('unreachable', `backend unreachable${code ? ` (${code})` : ''}`);
}
