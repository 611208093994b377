// SSH public keys for /os-keypairs: parse and fingerprint (MD5, colon-separated, as Synnefo shows)
// a given key, or generate an RSA pair when none is given.
import { createHash, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

const generateRsa = () => promisify(generateKeyPair)('rsa', { modulusLength: 2048 });

const KEY_TYPES = new Set([
  'ssh-rsa',
  'ssh-dss',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
]);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Returns the key blob if `text` is "<type> <base64 blob> [comment]" with a consistent blob. */
export function parsePublicKey(text: string): Buffer | null {
  const parts = text.trim().split(/\s+/);
  const [type, data] = parts;
  if (!type || !data || !KEY_TYPES.has(type) || !BASE64.test(data)) return null;
  const blob = Buffer.from(data, 'base64');
  if (blob.length < 4) return null;
  const len = blob.readUInt32BE(0);
  if (len !== type.length || blob.subarray(4, 4 + len).toString('latin1') !== type) return null;
  return blob;
}

export function fingerprint(blob: Buffer): string {
  const hex = createHash('md5').update(blob).digest('hex');
  return hex.match(/../g)?.join(':') ?? hex;
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** SSH mpint: big-endian, with a leading zero byte when the high bit is set. */
function mpint(b: Buffer): Buffer {
  const first = b[0] ?? 0;
  return sshString(first & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

export interface GeneratedKey {
  publicKey: string;
  privateKey: string;
  blob: Buffer;
}

export async function generateRsaKey(name: string): Promise<GeneratedKey> {
  const { publicKey, privateKey } = await generateRsa();
  const jwk = publicKey.export({ format: 'jwk' });
  const e = Buffer.from(jwk.e ?? '', 'base64url');
  const n = Buffer.from(jwk.n ?? '', 'base64url');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(e), mpint(n)]);
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} ${name}`,
    privateKey: String(privateKey.export({ type: 'pkcs1', format: 'pem' })),
    blob,
  };
}
