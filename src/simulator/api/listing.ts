// List endpoints with `changes-since`: without it deleted objects are hidden; with it they are
// included, and an empty result is 304 Not Modified.
import type { Ctx, Reply } from '../request.js';
import { queryValue } from '../request.js';
import { parseChangesSince } from '../time.js';

interface Versioned {
  updated: number;
  deleted: boolean;
}

/** The objects to list, or a 304 reply when changes-since matched nothing. */
export function changedSince<T extends Versioned>(ctx: Ctx, items: Iterable<T>): T[] | Reply {
  const raw = queryValue(ctx, 'changes-since');
  if (raw === null) {
    const live: T[] = [];
    for (const i of items) if (!i.deleted) live.push(i);
    return live;
  }
  const since = parseChangesSince(raw, ctx.sim.now());
  const changed: T[] = [];
  for (const i of items) if (i.updated >= since) changed.push(i);
  return changed.length > 0 ? changed : { status: 304 };
}

export function isReply(v: unknown): v is Reply {
  return !Array.isArray(v);
}
