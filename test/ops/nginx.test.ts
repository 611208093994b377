// snf-occi behind Debian's nginx with the configuration docs/deploy.md documents (the ```nginx
// block, taken from the file as it is, with the addresses and certificate paths of this test):
// TLS terminated by nginx, --public-url, and a client session through it, the text/occi query
// interface (~40 KB of response headers) and a long request header included (test/support/nginx.ts
// starts nginx).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxAvailable as available, startNginx, type TestNginx } from '../support/nginx.js';
import { COMPUTE_CATEGORY, type OpsStack, startOpsStack, TOKEN } from './ops-stack.js';

let stack: OpsStack;
let nginx: TestNginx;
let base: string;

beforeAll(async () => {
  if (!available) return;
  nginx = await startNginx(async (url) => {
    stack = await startOpsStack({ publicUrl: url, logLevel: 'info' });
    return [`127.0.0.1:${new URL(stack.url).port}`];
  });
  base = nginx.base;
}, 60_000);

afterAll(async () => {
  await nginx?.close();
  await stack?.close();
});

const occi = (path: string, init: Parameters<TestNginx['fetch']>[1] = {}) => nginx.fetch(path, init);

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
