// Astakos identity: POST /tokens in its two forms (token id, or user id + token as password), the
// public catalog for an empty body, and the account quota view.
import { badRequest, CycladesFault, itemNotFound } from '../faults.js';
import type { User } from '../model.js';
import type { Ctx, Reply } from '../request.js';
import { ok, parseJson } from '../request.js';
import { serviceCatalog } from '../catalog.js';
import { isoformat } from '../time.js';
import { isObject, own } from '../validate.js';

const TOKEN_LIFETIME_MS = 30 * 24 * 3600 * 1000;
const unauthorized = (message: string) => new CycladesFault(401, 'unauthorized', message);

function findUser(ctx: Ctx, auth: Record<string, unknown>): User {
  const token = own(auth, 'token');
  const password = own(auth, 'passwordCredentials');
  if (isObject(token)) {
    const id = own(token, 'id');
    if (typeof id !== 'string') throw badRequest('Malformed request: missing credentials');
    const user = ctx.sim.store.usersByToken.get(id);
    if (!user) throw unauthorized('Invalid token');
    return user;
  }
  if (isObject(password)) {
    const username = own(password, 'username');
    const secret = own(password, 'password');
    if (typeof username !== 'string' || typeof secret !== 'string') {
      throw badRequest('Malformed request: missing credentials');
    }
    const user = ctx.sim.store.usersByToken.get(secret);
    if (!user || user.id !== username) throw unauthorized('Invalid credentials');
    return user;
  }
  throw badRequest('Malformed request: missing credentials');
}

export function issueToken(ctx: Ctx): Reply {
  const catalog = serviceCatalog(ctx.sim.urls);
  if (!ctx.body || ctx.body.length === 0) return ok({ access: { serviceCatalog: catalog } });
  const body = parseJson(ctx.body);
  const auth = isObject(body) ? own(body, 'auth') : undefined;
  if (!isObject(auth)) throw badRequest('Malformed request: missing credentials');
  const user = findUser(ctx, auth);
  const tenant = own(auth, 'tenantName');
  if (tenant != null && tenant !== user.id && tenant !== user.projectId)
    throw badRequest('Not conforming tenantName');
  return ok({
    access: {
      token: {
        id: user.token,
        expires: isoformat(ctx.sim.now() + TOKEN_LIFETIME_MS),
        tenant: { id: user.projectId, name: user.name },
      },
      user: {
        id: user.id,
        name: user.name,
        roles: [{ id: '1', name: 'default' }],
        roles_links: [],
        projects: [user.projectId],
      },
      serviceCatalog: catalog,
    },
  });
}

/** Only OAuth2 tokens validate here; Synnefo answers 404 for anything else. */
export function validateToken(): Reply {
  throw itemNotFound('Token not found');
}

export function accountQuotas(ctx: Ctx): Reply {
  return ok(ctx.sim.quotas.view(ctx.user));
}
