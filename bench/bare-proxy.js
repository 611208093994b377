// The bench's reference point: a bare pass-through proxy that answers GET /compute/{id} with the
// one backend call snf-occi makes for it (GET {compute}/servers/{id}) through an undici keep-alive
// pool, and nothing else: what putting nothing but a socket hop in front of the backend costs.
// Usage: node bench/bare-proxy.js PORT COMPUTE_URL   (prints "listening on http://…" when ready)
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port = '0', computeUrl = 'http://127.0.0.1:8998/compute/v2.0'] = process.argv.slice(2);
const backend = new URL(computeUrl);
const pool = new Pool(backend.origin, { connections: 64, keepAliveTimeout: 4_000 });
const route = /^\/compute\/([^/?]+)$/;

const server = createServer(async (req, res) => {
  const m = route.exec(req.url ?? '');
  if (req.method !== 'GET' || !m) return res.writeHead(404).end();
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string') headers['x-auth-token'] = token;
  try {
    const up = await pool.request({ method: 'GET', path: `${backend.pathname}/servers/${m[1]}`, headers });
    const body = await up.body.text();
    res.writeHead(up.statusCode, { 'content-type': 'application/json' }).end(body);
  } catch {
    res.writeHead(502).end();
  }
});
server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  console.log(
    `listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`,
  );
});
process.once('SIGTERM', () => server.close(() => pool.close().then(() => process.exit(0))));
