// The simulated Astakos users: one per token, each with its own project. Ids are derived from the
// token so that the same token gives the same user and project across restarts.
import { createHash } from 'node:crypto';
import type { User } from './model.js';

export const DEFAULT_TOKEN = 'snf-occi-demo-token';

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  // Shape it as an RFC 4122 version 4 UUID so clients that validate UUIDs accept it.
  const variant = ((Number.parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export function createUsers(tokens: readonly string[]): User[] {
  const list = tokens.length > 0 ? tokens : [DEFAULT_TOKEN];
  const seen = new Set<string>();
  const users: User[] = [];
  for (const token of list) {
    if (seen.has(token)) continue;
    seen.add(token);
    const n = users.length + 1;
    users.push({
      token,
      id: uuidFrom(`user:${token}`),
      projectId: uuidFrom(`project:${token}`),
      name: token === DEFAULT_TOKEN ? 'Demo User' : `Simulated User ${n}`,
    });
  }
  return users;
}

/** Exported for deterministic seed ids (images, the system owner). */
export { uuidFrom };
