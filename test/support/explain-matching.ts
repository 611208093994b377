// Compares what explain says a request does with what serving it did: explain's list of calls
// (src/engine/explain.ts) against the calls the backend received. Used by the tests that check
// "explain equals serving" (test/engine/explain-golden.test.ts, test/e2e/explain-serving.test.ts).
//
// The matching, precisely:
//
// - A served call is (method, service, path): the service is the one whose base URL (from the
//   caller's catalog, as the engine resolves it) is the longest prefix of the URL path; the path
//   is the rest. Query strings are dropped on both sides (the simulator logs paths without them,
//   and no shipped rule puts one in a path).
// - An explained call is a pattern: same method, same service, and its path (without the
//   `{service}` prefix) with each `{placeholder}` matching exactly one non-empty path segment and
//   everything else literally.
// - Each explained call may be served a number of times, from what its `pending` says:
//     no pending.when/forEach/until  exactly once
//     pending.when                   at most once (only if the condition held)
//     pending.until                  once or more (repeated until the state is reached)
//     pending.forEach                any number of times, none included (once per item)
//   combined: `when` lowers the minimum to 0, `until` and `forEach` raise the maximum to ∞.
//   A forEach whose items were known when explaining is already one explained call per item.
// - The served calls, in the order the backend received them, must be exactly a sequence of
//   explained calls in explain's order, each taken as many times as it allows, and every
//   explained call whose minimum is 1 must have been taken: nothing served that explain did not
//   show, nothing explain promised left out, nothing out of order. Matching backtracks, so a
//   conditional call is never wrongly credited with a call that a later explained call needs.
// - Concurrency: where the engine sends calls of several rules at once (the template listings of
//   the query interface; the list rules of a collection that holds several kinds), each group of
//   calls (one rule, one template listing) keeps its order, and the groups may interleave.
//   Elsewhere one order is required.
// - Failure: a request that failed in a way explain cannot foresee (a backend fault, a rejected
//   token, a template the backend does not have) made the calls up to the one that failed: then
//   the served calls must match a prefix of the explained ones (still in order, still each
//   one allowed). When explain itself predicts an error, the request must fail with that status.
import type { ExplainedCall } from '../../src/engine/explain.js';

export interface ServedCall {
  method: string;
  service: string;
  path: string;
}

interface Pattern {
  call: ExplainedCall;
  path: RegExp;
  min: number;
  max: number;
}

export interface MatchOptions {
  /** The group of each explained call, when groups run concurrently (see the header). */
  groupOf?: (call: ExplainedCall, index: number) => string;
  /** Served calls need only match a prefix of the explained ones (the request failed midway). */
  prefix?: boolean;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The path pattern of an explained call: its `{placeholders}` match one segment each. */
export function pathPattern(call: ExplainedCall): RegExp {
  const prefix = `{${call.service}}`;
  let path = call.path.startsWith(prefix) ? call.path.slice(prefix.length) : call.path;
  path = path.split('?')[0]!;
  const parts = path.split(/(\{[^{}/]+\})/);
  return new RegExp(`^${parts.map((p, i) => (i % 2 === 1 ? '[^/]+' : escapeRegExp(p))).join('')}$`);
}

export function repetitions(call: ExplainedCall): { min: number; max: number } {
  const p = call.pending;
  return {
    min: p?.when || p?.forEach ? 0 : 1,
    max: p?.until || p?.forEach ? Number.POSITIVE_INFINITY : 1,
  };
}

function matches(p: Pattern, s: ServedCall): boolean {
  return p.call.method === s.method && p.call.service === s.service && p.path.test(s.path.split('?')[0]!);
}

export function describeExplained(call: ExplainedCall): string {
  const { min, max } = repetitions(call);
  const times = min === max ? '' : ` [${min}..${max === Number.POSITIVE_INFINITY ? '∞' : max}]`;
  return `${call.method} ${call.path}${times} (step ${call.step}, ${call.at})`;
}

export function describeServed(call: ServedCall): string {
  return `${call.method} {${call.service}}${call.path}`;
}

/**
 * Whether the served calls are what explain listed (see the header). Undefined when they are;
 * else a message listing both sides and where they part.
 */
export function mismatch(
  explained: readonly ExplainedCall[],
  served: readonly ServedCall[],
  options: MatchOptions = {},
): string | undefined {
  const groups = new Map<string, Pattern[]>();
  explained.forEach((call, i) => {
    const key = options.groupOf?.(call, i) ?? '';
    const list = groups.get(key) ?? [];
    list.push({ call, path: pathPattern(call), ...repetitions(call) });
    groups.set(key, list);
  });
  const seqs = [...groups.values()];
  // State: per group, the pattern reached and how many calls it has taken.
  type State = { i: number; n: number }[];
  const seen = new Set<string>();
  let furthest = 0;

  const finished = (state: State) =>
    options.prefix ||
    state.every(({ i, n }, g) => {
      const seq = seqs[g]!;
      if (i < seq.length && n < seq[i]!.min) return false;
      return seq.slice(i + 1).every((p) => p.min === 0);
    });

  const go = (s: number, state: State): boolean => {
    furthest = Math.max(furthest, s);
    if (s === served.length) return finished(state);
    const key = `${s}|${state.map(({ i, n }) => `${i}.${Math.min(n, 2)}`).join(',')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    const call = served[s]!;
    for (const [g, seq] of seqs.entries()) {
      let { i, n } = state[g]!;
      while (i < seq.length) {
        const p = seq[i]!;
        if (n < p.max && matches(p, call)) {
          const next = state.map((x) => ({ ...x }));
          next[g] = { i, n: n + 1 };
          if (go(s + 1, next)) return true;
        }
        // Move past this pattern only if it has been taken as often as it must.
        if (n < p.min) break;
        i++;
        n = 0;
      }
    }
    return false;
  };

  if (
    go(
      0,
      seqs.map(() => ({ i: 0, n: 0 })),
    )
  )
    return undefined;
  const lines = [
    furthest < served.length
      ? `served call ${furthest + 1} (${describeServed(served[furthest]!)}) is not the next explained call`
      : 'an explained call that must be made was not served',
    'explained:',
    ...explained.map(
      (c, i) => `  ${i + 1}. ${describeExplained(c)}${options.groupOf ? `  {${options.groupOf(c, i)}}` : ''}`,
    ),
    'served:',
    ...served.map((c, i) => `  ${i + 1}. ${describeServed(c)}`),
  ];
  return lines.join('\n');
}

/** Splits a URL path into the service whose base path is its longest prefix, and the rest. */
export function servedCall(method: string, urlPath: string, bases: ReadonlyMap<string, string>): ServedCall {
  let best: [string, string] | undefined;
  for (const [service, base] of bases) {
    if ((urlPath === base || urlPath.startsWith(`${base}/`)) && (!best || base.length > best[1].length))
      best = [service, base];
  }
  if (!best) return { method, service: '?', path: urlPath };
  return { method, service: best[0], path: urlPath.slice(best[1].length) };
}
