// Token check for every Cyclades call: the token comes from X-Auth-Token (or the X-Auth-Token
// query parameter); none → 401 `unauthorized`, unknown → 401 with the `fault` key Cyclades uses
// when it wraps Astakos' refusal.
import type { IncomingHttpHeaders } from 'node:http';
import { CycladesFault } from './faults.js';
import type { User } from './model.js';
import type { Store } from './store.js';

const NO_TOKEN = () => new CycladesFault(401, 'unauthorized', 'Access denied. No authentication token');

/** Astakos' own 401 body, relayed as a string in `details` (Python json.dumps spacing). */
const ASTAKOS_DETAILS = '{"unauthorized": {"code": 401, "message": "Invalid token", "details": ""}}';
const BAD_TOKEN = () => new CycladesFault(401, 'fault', 'UNAUTHORIZED', { details: ASTAKOS_DETAILS });

export function tokenOf(headers: IncomingHttpHeaders, query: URLSearchParams | null): string | undefined {
  const h = headers['x-auth-token'];
  if (typeof h === 'string' && h.length > 0) return h;
  const q = query?.get('X-Auth-Token');
  return q ? q : undefined;
}

export function authenticate(
  store: Store,
  headers: IncomingHttpHeaders,
  query: URLSearchParams | null,
): User {
  const token = tokenOf(headers, query);
  if (token === undefined) throw NO_TOKEN();
  const user = store.usersByToken.get(token);
  if (!user) throw BAD_TOKEN();
  return user;
}
