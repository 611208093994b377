// /os-keypairs: list ({"keypairs":[{"keypair":…}]}), create (201; generated when no public_key,
// then the private key is returned once), show and delete (204).
import { badRequest, conflict, itemNotFound, overLimit } from '../faults.js';
import { fingerprint, generateRsaKey, parsePublicKey } from '../logic/ssh-keys.js';
import type { Keypair } from '../model.js';
import type { Ctx, Reply } from '../request.js';
import { created, jsonBody, noContent, ok, param } from '../request.js';
import { isoformat } from '../time.js';
import { optString, reqString, rootObject } from '../validate.js';

/** MAX_KEYPAIRS_PER_USER. */
const MAX_KEYPAIRS = 100;
const MAX_NAME = 255;

function view(k: Keypair): Record<string, unknown> {
  return {
    name: k.name,
    fingerprint: k.fingerprint,
    public_key: k.publicKey,
    created_at: isoformat(k.created),
  };
}

export function listKeypairs(ctx: Ctx): Reply {
  const keys = [...ctx.sim.store.userKeypairs(ctx.user).values()];
  return ok({ keypairs: keys.map((k) => ({ keypair: view(k) })) });
}

export async function createKeypair(ctx: Ctx): Promise<Reply> {
  const req = rootObject(jsonBody(ctx), 'keypair');
  const name = reqString(req, 'name');
  const given = optString(req, 'public_key', 16 * 1024);
  if (name.length === 0 || name.length > MAX_NAME) throw badRequest('Invalid keypair name');
  const keys = ctx.sim.store.userKeypairs(ctx.user);
  if (keys.has(name)) throw conflict(`Key pair '${name}' already exists.`);
  if (keys.size >= MAX_KEYPAIRS) throw overLimit('Maximum number of key pairs exceeded');
  let publicKey: string;
  let blob: Buffer;
  let privateKey: string | undefined;
  if (given !== undefined) {
    const parsed = parsePublicKey(given);
    if (!parsed) throw badRequest('Invalid public key');
    publicKey = given.trim();
    blob = parsed;
  } else {
    ({ publicKey, privateKey, blob } = await generateRsaKey(name));
  }
  // Another request may have taken the name while the key was being generated.
  if (keys.has(name)) throw conflict(`Key pair '${name}' already exists.`);
  const k: Keypair = {
    userId: ctx.user.id,
    name,
    publicKey,
    fingerprint: fingerprint(blob),
    created: ctx.sim.now(),
  };
  keys.set(name, k);
  ctx.sim.store.generation++;
  const body = privateKey === undefined ? view(k) : { ...view(k), private_key: privateKey };
  return created({ keypair: body });
}

function keypairOf(ctx: Ctx): Keypair {
  const k = ctx.sim.store.userKeypairs(ctx.user).get(param(ctx, 'name'));
  if (!k) throw itemNotFound('Keypair not found');
  return k;
}

export function getKeypair(ctx: Ctx): Reply {
  return ok({ keypair: view(keypairOf(ctx)) });
}

export function deleteKeypair(ctx: Ctx): Reply {
  const k = keypairOf(ctx);
  ctx.sim.store.userKeypairs(ctx.user).delete(k.name);
  return noContent();
}
