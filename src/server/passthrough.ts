// Pass-through routes: a declared path prefix is forwarded untouched (method, body, headers) to a
// backend service through http-proxy-3, with the caller's token; the service's base URL comes
// from the caller's catalog like every other backend call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createProxyServer } from 'http-proxy-3';
import type { PassthroughTarget } from '../engine/operation.js';
import { OcciError } from '../occi/errors.js';

const proxy = createProxyServer({ ignorePath: true, changeOrigin: true, xfwd: false });

/**
 * Forwards the request; resolves when the response is done or has failed (then as an OcciError).
 * `timeoutMs` bounds the wait for the backend's answer and any pause in the exchange.
 */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  target: PassthroughTarget,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    res.once('close', () => resolve());
    const options = {
      target: target.url,
      headers: target.headers,
      proxyTimeout: timeoutMs,
      timeout: timeoutMs,
    };
    proxy.web(req, res, options, (err: Error & { code?: string }) => {
      const timeout =
        err.code === 'ECONNRESET' && !res.headersSent
          ? false
          : err.code === 'ETIMEDOUT' || /timeout/i.test(err.message);
      reject(
        new OcciError(
          timeout ? 504 : 502,
          `pass-through backend ${timeout ? 'timed out' : 'unreachable'}${err.code ? ` (${err.code})` : ''}`,
        ),
      );
    });
  });
}
