// The operator's listener (serve --metrics-port): /metrics in Prometheus' text format, /healthz and
// /readyz, without a token. Bind it to loopback or a network only Prometheus and the orchestrator
// reach; the OCCI port offers /healthz and /readyz too, and /metrics only behind the admin token.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerHealth, HEALTH_PATHS, type ReadinessCheck } from './health.js';
import type { MetricsText } from './metrics.js';

export async function serveMetrics(res: import('node:http').ServerResponse, metrics: MetricsText) {
  const text = await metrics.text();
  res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startMetricsListener(options: {
  host: string;
  port: number;
  metrics: MetricsText;
  readiness: ReadinessCheck;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const done = (e: unknown) => {
      if (!res.headersSent) res.writeHead(503).end(`${(e as Error)?.message ?? e}\n`);
    };
    if (HEALTH_PATHS.has(path)) return void answerHealth(req, res, path, options.readiness).catch(done);
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD'))
      return void serveMetrics(res, options.metrics).catch(done);
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('only /metrics, /healthz and /readyz here\n');
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
