// snf-occi behind Debian's nginx with the configuration docs/deploy.md documents (the ```nginx
// block, taken from the file as it is, with the addresses and certificate paths of this test):
// TLS terminated by nginx, --public-url, and a client session through it, the text/occi query
// interface (~40 KB of response headers) and a long request header included. nginx runs as a child
// process on a free port with its prefix in a temporary directory. CI installs nginx (.ci/run);
// elsewhere the test is skipped when /usr/sbin/nginx is missing.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from '../support/e2e-stack.js';
import {
  COMPUTE_CATEGORY,
  makeCertificate,
  type OpsStack,
  startOpsStack,
  TOKEN,
  waitFor,
} from './ops-stack.js';

const NGINX = '/usr/sbin/nginx';
const available = existsSync(NGINX) || !!process.env.CI; // in CI a missing nginx fails the test

/** The first ```nginx block of docs/deploy.md. */
async function documentedConfig(): Promise<string> {
  const doc = await readFile(join(REPO_DIR, 'docs', 'deploy.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/deploy.md has no ```nginx block');
  return block;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Replaces `from` in the documented block, failing if the documentation no longer has it. */
function substitute(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the documented nginx configuration lost '${from}'`);
  return text.replaceAll(from, to);
}

let prefix: string;
let nginx: ChildProcess | undefined;
let stack: OpsStack;
let base: string;
let dispatcher: Agent;
const nginxErrors: string[] = [];

beforeAll(async () => {
  if (!available) return;
  prefix = await mkdtemp(join(tmpdir(), 'snf-occi-nginx-'));
  const cert = await makeCertificate(prefix);
  const port = await freePort();
  base = `https://127.0.0.1:${port}`;
  stack = await startOpsStack({ publicUrl: base, logLevel: 'info' });
  const occiPort = new URL(stack.url).port;
  let server = await documentedConfig();
  server = substitute(server, 'server 127.0.0.1:8080;', `server 127.0.0.1:${occiPort};`);
  server = substitute(server, 'listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`);
  server = substitute(server, '/etc/ssl/certs/occi.example.org.pem', cert.cert);
  server = substitute(server, '/etc/ssl/private/occi.example.org.key', cert.key);
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs'])
    await mkdir(join(prefix, dir), { recursive: true });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((d) => `  ${d}_temp_path ${join(prefix, d)};`)
    .join('\n');
  const conf = `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 64; }
http {
  access_log ${join(prefix, 'logs', 'access.log')};
${temp}
${server}
}
`;
  await writeFile(join(prefix, 'nginx.conf'), conf);
  nginx = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  nginx.stderr!.on('data', (c: Buffer) => nginxErrors.push(c.toString()));
  dispatcher = new Agent({ connect: { ca: cert.pem }, maxHeaderSize: 256 * 1024 });
  await waitFor(
    'nginx to answer',
    async () => {
      if (nginx!.exitCode !== null) throw new Error(`nginx exited: ${nginxErrors.join('')}`);
      return undiciFetch(`${base}/healthz`, { dispatcher }).then(
        (r) => (r.status === 200 ? true : undefined),
        () => undefined,
      );
    },
    20_000,
  );
}, 60_000);

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx!.once('exit', r));
    nginx.kill('SIGTERM');
    await exited;
  }
  await dispatcher?.destroy(); // bodies a failed assertion left unread would keep close() waiting
  await stack?.close();
  if (prefix) await rm(prefix, { recursive: true, force: true });
});

const occi = (path: string, init: Parameters<typeof undiciFetch>[1] = {}) =>
  undiciFetch(path.startsWith('https://') ? path : `${base}${path}`, { dispatcher, ...init });

describe.skipIf(!available)('behind nginx, configured as docs/deploy.md says', () => {
  it('serves the text/occi query interface, whose headers exceed nginx’s default buffers', async () => {
    const res = await occi('/-/', { headers: { 'X-Auth-Token': TOKEN, Accept: 'text/occi' } });
    expect(res.status).toBe(200);
    const categories = res.headers.get('category') ?? '';
    const headerBytes = [...res.headers].reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
    expect(headerBytes).toBeGreaterThan(30_000);
    expect(categories).toContain('schemas.openstack.org/template/resource#');
    expect(categories).toContain('compute; scheme="http://schemas.ogf.org/occi/infrastructure#"');
  });

  it('runs a client session: create, read, list, delete, with public locations', async () => {
    const headers = {
      'X-Auth-Token': TOKEN,
      'Content-Type': 'text/occi',
      Category: COMPUTE_CATEGORY,
      'X-OCCI-Attribute': 'occi.core.title="via-nginx", occi.compute.cores=2',
    };
    let created = await occi('/compute/', { method: 'POST', headers });
    if (created.status === 502) created = await occi('/compute/', { method: 'POST', headers }); // issue 11
    expect(created.status, await created.text()).toBe(201);
    const location = created.headers.get('location')!;
    expect(location.startsWith(`${base}/compute/`)).toBe(true); // --public-url

    const read = await occi(location, { headers: { 'X-Auth-Token': TOKEN, Accept: 'text/occi' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-occi-attribute')).toContain('occi.core.title="via-nginx"');

    const listed = await occi('/compute/', { headers: { 'X-Auth-Token': TOKEN, Accept: 'text/uri-list' } });
    expect(listed.status).toBe(200);
    expect((await listed.text()).split(/\r?\n/)).toContain(location);

    const deleted = await occi(location, { method: 'DELETE', headers: { 'X-Auth-Token': TOKEN } });
    expect(deleted.status).toBe(200);
  });

  it('passes a request header of 12 KB (an attribute-heavy OCCI request)', async () => {
    const res = await occi('/-/', {
      headers: { 'X-Auth-Token': TOKEN, 'X-OCCI-Attribute': `occi.core.summary="${'s'.repeat(12_000)}"` },
    });
    expect(res.status).toBe(200);
  });

  it('carries nginx’s request id to snf-occi’s log and back to the client', async () => {
    const res = await occi('/compute/', { headers: { 'X-Auth-Token': TOKEN } });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id
    expect(stack.logEntries().some((e) => e.reqId === id && e.message === 'request')).toBe(true);
  });

  it('keeps /_admin/ from outside hosts only as configured (loopback allowed here)', async () => {
    const res = await occi('/_admin/rules');
    expect(res.status).toBe(404); // reached snf-occi: no admin token configured
  });
});
