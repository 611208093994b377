// Callers' sessions with the backend: their token checked once with the identity service and the
// service catalog it returns, cached for the TTL the rules set. Keyed by a hash of the token; the
// hash itself is remembered per token (bounded, in memory only) so that a request does not pay
// for a sha256, hence that map does hold token text as keys, as the requests in flight do.
import { createHash } from 'node:crypto';
import type { BackendClient, CallObserver } from '../backend/backend-client.js';
import { BackendFailure } from '../backend/backend-client.js';
import type { MappingPlans } from '../mapping/plan.js';
import { OcciError } from '../occi/errors.js';
import { backendFault, ruleError, transportError } from './fault-translation.js';

export interface Session {
  userId?: string;
  /** Service type → base URL, from the catalog. */
  catalog: Map<string, string>;
}

const MAX_SESSIONS = 10_000;

export class SessionCache {
  private readonly sessions = new Map<string, { session: Session; expires: number }>();
  /** Token → its digest, least recently used first: one sha256 per token, not one per request. */
  private readonly digests = new Map<string, string>();

  constructor(
    private readonly client: BackendClient,
    private readonly identityUrl: string | undefined,
  ) {}

  /** The base URL Keystone clients append /v2.0/tokens to: the identity URL without its version. */
  identityBase(): string | undefined {
    return this.identityUrl?.replace(/\/v\d+(\.\d+)?\/?$/, '');
  }

  unauthorized(mapping: MappingPlans, message: string): OcciError {
    const base = this.identityBase();
    const challenge = mapping.identity?.challenge;
    const headers: Record<string, string> = {};
    if (challenge && base) headers['WWW-Authenticate'] = challenge.replace('{identity}', base);
    return new OcciError(401, message, headers);
  }

  async resolve(mapping: MappingPlans, token: string | undefined, observer?: CallObserver): Promise<Session> {
    const identity = mapping.identity;
    if (!identity || !this.identityUrl) return { catalog: new Map() };
    if (!token) throw this.unauthorized(mapping, 'authentication required: send an X-Auth-Token');
    const key = this.digest(token);
    const cached = this.sessions.get(key);
    if (cached && cached.expires > Date.now()) return cached.session;
    const what = 'identity check';
    let res: Awaited<ReturnType<BackendClient['send']>>;
    try {
      const body = identity.body ? await identity.body.evaluate({}, { token }) : undefined;
      res = await this.client.send({
        method: identity.method,
        url: this.identityUrl.replace(/\/$/, '') + identity.path.fill(() => undefined),
        headers: { accept: 'application/json' },
        label: { service: 'identity', step: 'identity' },
        ...(observer ? { observer } : {}),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      if (e instanceof BackendFailure) throw transportError(e, what);
      throw ruleError(e, identity.origin, what);
    }
    if (res.status === 401 || res.status === 403)
      throw this.unauthorized(mapping, 'the backend rejected the token');
    const ok = identity.expect ? identity.expect.includes(res.status) : res.status >= 200 && res.status < 300;
    if (!ok) {
      const fault = await backendFault(res.status, res.body, [mapping.faults], what);
      throw fault.status === 401 ? this.unauthorized(mapping, fault.message) : fault;
    }
    let session: Session;
    try {
      const userId = await identity.user.evaluate(res.body);
      const entries = await identity.catalog.evaluate(res.body);
      const catalog = new Map<string, string>();
      for (const e of Array.isArray(entries) ? entries : entries ? [entries] : []) {
        if (e && typeof e.type === 'string' && typeof e.url === 'string') catalog.set(e.type, e.url);
      }
      session = {
        catalog,
        ...(typeof userId === 'string' || typeof userId === 'number' ? { userId: String(userId) } : {}),
      };
    } catch (e) {
      throw ruleError(e, identity.origin, what);
    }
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(key, { session, expires: Date.now() + identity.ttlSeconds * 1000 });
    return session;
  }

  private digest(token: string): string {
    let digest = this.digests.get(token);
    if (digest === undefined) {
      digest = createHash('sha256').update(token).digest('hex');
      if (this.digests.size >= MAX_SESSIONS) this.digests.delete(this.digests.keys().next().value!);
    } else this.digests.delete(token);
    this.digests.set(token, digest);
    return digest;
  }

  /** The base URL of a service for this session. */
  serviceUrl(mapping: MappingPlans, session: Session, name: string): string {
    const def = mapping.services.get(name);
    if (!def) throw new OcciError(502, `service '${name}' is not declared`);
    if (def.url) return def.url.replace(/\/$/, '');
    const found = def.catalog ? session.catalog.get(def.catalog) : undefined;
    if (!found)
      throw new OcciError(502, `service '${name}' (type '${def.catalog}') is not in the identity catalog`);
    const base = found.replace(/\/$/, '');
    if (!def.version || /\/v\d+(\.\d+)?$/.test(base)) return base;
    return `${base}/${def.version}`;
  }
}
