// `serve --tls-cert F --tls-key F` serves https with a certificate the test makes (openssl CLI):
// a client that trusts it gets the query interface and its request id; one that does not is
// refused by TLS; a plain-http request to the https port gets no OCCI answer.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, type Spawned, spawnSnfOcci } from './ops-stack.js';

let dir: string;
let serve: Spawned;
let url: string;
let pem: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snf-occi-tls-'));
  const made = await makeCertificate(dir);
  pem = made.pem;
  serve = spawnSnfOcci([
    'serve',
    '--port',
    '0',
    '--state-dir',
    join(dir, 'state'),
    '--tls-cert',
    made.cert,
    '--tls-key',
    made.key,
  ]);
  url = (await serve.line(/serving OCCI on (https:\/\/\S+) /))[1]!;
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('serve over TLS', () => {
  it('answers https with the generated certificate', async () => {
    const trusting = new Agent({ connect: { ca: pem } });
    try {
      const res = await undiciFetch(`${url}/-/`, {
        headers: { 'X-Auth-Token': 'snf-occi-demo-token', 'X-Request-Id': 'tls-1' },
        dispatcher: trusting,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('tls-1');
      expect(await res.text()).toContain('Category: compute;');
      expect((await undiciFetch(`${url}/healthz`, { dispatcher: trusting })).status).toBe(200);
    } finally {
      await trusting.close();
    }
  });

  it('is refused by a client that does not trust the certificate', async () => {
    await expect(undiciFetch(`${url}/-/`)).rejects.toThrow();
  });

  it('gives no OCCI answer to plain http on the https port', async () => {
    const plain = url.replace('https://', 'http://');
    const outcome = await fetch(`${plain}/-/`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(outcome === 'refused' || outcome === 400).toBe(true);
  });

  it('needs both --tls-cert and --tls-key (usage error, exit 2)', async () => {
    const alone = spawnSnfOcci(['serve', '--port', '0', '--tls-cert', join(dir, 'cert.pem')]);
    const { code } = await alone.exited;
    expect(code).toBe(2);
    expect(alone.stderr.join('\n')).toMatch(/--tls-cert and --tls-key go together/);
  });
});
