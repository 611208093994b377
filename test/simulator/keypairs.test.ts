// /os-keypairs: create with a given key (201, MD5 fingerprint) or a generated one (private key
// once), duplicates (409), list shape, show, delete (204), and a server using the key.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anImage, C, client, expectFault, useSimulator } from './helpers.js';

const ctx = useSimulator();
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkbMm3dwLQqT8v2V9wOeLkgDUtw9XkNFXVcmTgIzmnB user@host';

describe('key pairs', () => {
  it('imports a public key (201) with its MD5 fingerprint and lists it wrapped in {"keypair": …}', async () => {
    const c = client(ctx.sim);
    const r = await c.post(`${C}/os-keypairs`, { keypair: { name: 'mine', public_key: KEY } });
    expect(r.status).toBe(201);
    const blob = Buffer.from(KEY.split(' ')[1]!, 'base64');
    const md5 = createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
    expect(r.body.keypair).toMatchObject({ name: 'mine', public_key: KEY, fingerprint: md5 });
    expect(r.body.keypair.private_key).toBeUndefined();
    const list = (await c.get(`${C}/os-keypairs`)).body.keypairs;
    expect(list).toEqual([{ keypair: expect.objectContaining({ name: 'mine', fingerprint: md5 }) }]);
    expect((await c.get(`${C}/os-keypairs/mine`)).body.keypair.name).toBe('mine');
    expectFault(
      await c.post(`${C}/os-keypairs`, { keypair: { name: 'mine', public_key: KEY } }),
      409,
      'conflict',
    );
  });

  it('generates an RSA key pair when no public key is given and returns the private key once', async () => {
    const c = client(ctx.sim);
    const r = await c.post(`${C}/os-keypairs`, { keypair: { name: 'generated' } });
    expect(r.status).toBe(201);
    expect(r.body.keypair.public_key).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E/);
    expect(r.body.keypair.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect((await c.get(`${C}/os-keypairs/generated`)).body.keypair.private_key).toBeUndefined();
  });

  it('rejects an invalid key and a missing name; 404 and 204 on delete', async () => {
    const c = client(ctx.sim);
    expectFault(
      await c.post(`${C}/os-keypairs`, { keypair: { name: 'bad', public_key: 'ssh-rsa !!!' } }),
      400,
      'badRequest',
    );
    expectFault(await c.post(`${C}/os-keypairs`, { keypair: {} }), 400, 'badRequest');
    expectFault(await c.del(`${C}/os-keypairs/none`), 404, 'itemNotFound');
    await c.post(`${C}/os-keypairs`, { keypair: { name: 'gone', public_key: KEY } });
    expect((await c.del(`${C}/os-keypairs/gone`)).status).toBe(204);
    expectFault(await c.get(`${C}/os-keypairs/gone`), 404, 'itemNotFound');
  });

  it('lets a server use a key pair by key_name', async () => {
    const c = client(ctx.sim);
    await c.post(`${C}/os-keypairs`, { keypair: { name: 'for-vm', public_key: KEY } });
    const r = await c.post(`${C}/servers`, {
      server: { name: 'k', imageRef: await anImage(c), flavorRef: 1, key_name: 'for-vm' },
    });
    expect(r.body.server).toMatchObject({ key_name: 'for-vm', 'SNF:key_names': ['for-vm'] });
    expect((await client(ctx.sim, 1).get(`${C}/os-keypairs`)).body.keypairs).toEqual([]);
  });
});
