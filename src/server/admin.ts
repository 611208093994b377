// Admin endpoints under /_admin/, enabled only with an admin token (`serve --admin-token` or
// SNF_OCCI_ADMIN_TOKEN) and answered only to requests that carry it (X-Admin-Token, or
// Authorization: Bearer, as Prometheus sends it):
//   POST /_admin/reload   reload the rules now; 200 with the generation, 422 with the problems
//   GET  /_admin/rules    the rules in force: generation, files, the last reload's outcome
//   POST /_admin/explain  {method, path, headers, body} → what that OCCI request would do
//   GET  /_admin/metrics  the Prometheus metrics (also on the token-less --metrics-port listener)
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatProblem } from '../mapping/problems.js';
import type { RuleSet } from '../mapping/load-rules.js';
import { explain } from './explain.js';
import type { MetricsText } from './metrics.js';
import { serveMetrics } from './metrics-listener.js';
import { readBody } from './request-io.js';
import type { Reloads } from './rule-reloader.js';

export interface AdminOptions {
  token: string;
  reloader?: Reloads;
  ruleSet(): RuleSet;
  metrics?: MetricsText;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function unavailable(res: ServerResponse, what: string): void {
  json(res, 503, { error: { code: 503, message: `${what}; try again shortly` } });
}

function authorised(req: IncomingMessage, token: string): boolean {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const given = req.headers['x-admin-token'] ?? bearer;
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Handles an /_admin/ request; the caller has checked the path. */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  admin: AdminOptions | undefined,
): Promise<void> {
  if (!admin)
    return json(res, 404, {
      error: { code: 404, message: 'admin endpoints are disabled (no admin token configured)' },
    });
  if (!authorised(req, admin.token))
    return json(res, 401, { error: { code: 401, message: 'X-Admin-Token missing or wrong' } });
  const method = req.method ?? 'GET';
  if (path === '/_admin/reload' && method === 'POST') {
    if (!admin.reloader)
      return json(res, 409, {
        error: { code: 409, message: 'this server was not started from a rules directory' },
      });
    // With workers, the reload is the primary's: it may not answer (going away, overloaded).
    const outcome = await admin.reloader.reload('admin request').catch(() => undefined);
    if (!outcome) return unavailable(res, 'the reload did not complete');
    return json(res, outcome.ok ? 200 : 422, {
      ok: outcome.ok,
      generation: outcome.generation,
      problems: outcome.problems.map(formatProblem),
    });
  }
  if (path === '/_admin/rules' && (method === 'GET' || method === 'HEAD')) {
    const rs = admin.ruleSet();
    const last = admin.reloader?.last;
    return json(res, 200, {
      generation: rs.generation,
      files: rs.files,
      lastReload: last ? { ok: last.ok, problems: last.problems.map(formatProblem) } : null,
    });
  }
  if (path === '/_admin/metrics' && admin.metrics && (method === 'GET' || method === 'HEAD'))
    return serveMetrics(res, admin.metrics).catch(() =>
      unavailable(res, 'the metrics could not be gathered'),
    );
  if (path === '/_admin/explain' && method === 'POST') {
    let input: { method?: unknown; path?: unknown; headers?: unknown; body?: unknown };
    try {
      input = JSON.parse(await readBody(req, 112 * 1024));
    } catch {
      return json(res, 400, {
        error: { code: 400, message: 'body must be JSON: {"method", "path", "headers", "body"}' },
      });
    }
    if (typeof input.method !== 'string' || typeof input.path !== 'string') {
      return json(res, 400, { error: { code: 400, message: 'method and path are required strings' } });
    }
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries((input.headers as Record<string, unknown>) ?? {})) {
      headers[k.toLowerCase()] = (Array.isArray(v) ? v : [v]).map(String);
    }
    const body =
      typeof input.body === 'string'
        ? input.body
        : input.body === undefined
          ? ''
          : JSON.stringify(input.body);
    return json(
      res,
      200,
      await explain(admin.ruleSet(), { method: input.method, path: input.path, headers, body }),
    );
  }
  return json(res, 404, { error: { code: 404, message: `no admin endpoint ${method} ${path}` } });
}
