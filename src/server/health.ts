// Liveness and readiness, for load balancers and Kubernetes probes. /healthz: the process answers.
// /readyz: the rules are loaded, the user mixin store is reachable and the backend's identity
// endpoint answers HTTP (any status: the probe sends no token, so 401 or 404 still proves the
// backend is there). Probes are cheap: the
// outcome is kept for a short while and concurrent probes share one backend call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BackendFailure, type BackendClient } from '../backend/backend-client.js';

export interface Readiness {
  ready: boolean;
  /** Each check and its outcome ('ok' or what is wrong), e.g. {rules: 'ok', backend: 'unreachable'}. */
  checks: Record<string, string>;
}

export type ReadinessCheck = () => Promise<Readiness>;

export const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

/** A probe of the backend: resolves when it answered HTTP in time, rejects with why not otherwise. */
export function backendProbe(client: BackendClient, identityUrl: string, timeoutMs: number) {
  return async (): Promise<void> => {
    try {
      await client.send({
        method: 'GET',
        url: identityUrl,
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        label: { service: 'identity', step: 'readiness' },
      });
    } catch (e) {
      // An answer that is not JSON (or too big) is still an answer.
      if (e instanceof BackendFailure && (e.kind === 'bad-response' || e.kind === 'too-large')) return;
      throw e;
    }
  };
}

/** Readiness from the rules being loaded and an optional backend probe, cached for cacheMs. */
export function createReadiness(options: {
  rulesLoaded: () => boolean;
  probe?: () => Promise<void>;
  /** The user mixin store's state: 'ok' or what is wrong. */
  store?: () => Promise<string>;
  cacheMs: number;
}): ReadinessCheck {
  let cached: { backend: string; until: number } | undefined;
  let pending: Promise<string> | undefined;
  const backendState = async (): Promise<string> => {
    if (!options.probe) return 'not checked';
    if (cached && cached.until > Date.now()) return cached.backend;
    pending ??= options
      .probe()
      .then(
        () => 'ok',
        (e: unknown) => (e instanceof BackendFailure ? e.kind : 'unreachable'),
      )
      .then((backend) => {
        cached = { backend, until: Date.now() + options.cacheMs };
        return backend;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  return async () => {
    const rules = options.rulesLoaded() ? 'ok' : 'not loaded';
    const [backend, store] = await Promise.all([backendState(), options.store?.() ?? 'not checked']);
    return {
      ready: rules === 'ok' && (backend === 'ok' || backend === 'not checked') && store !== 'unavailable',
      checks: { rules, backend, ...(options.store ? { store } : {}) },
    };
  };
}

/** Answers /healthz or /readyz (the caller checked the path). */
export async function answerHealth(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  readiness: ReadinessCheck,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 }).end();
    return;
  }
  const outcome = path === '/healthz' ? { ready: true, checks: { process: 'ok' } } : await readiness();
  const body = `${JSON.stringify({ status: outcome.ready ? 'ok' : 'unavailable', checks: outcome.checks })}\n`;
  res.writeHead(outcome.ready ? 200 : 503, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
