// The one place where backend outcomes become OCCI errors: transport failures → 502/504, backend
// faults → the status the rules map them to (4xx pass through, 5xx → 502, 503 stays), with the
// backend's own message where the rules can extract one. Backend 5xx text is never relayed.
import { BackendFailure } from '../backend/backend-client.js';
import type { FaultPlan } from '../mapping/plan.js';
import type { Position } from '../mapping/build-categories.js';
import { ExpressionError } from '../mapping/expressions.js';
import { OcciError } from '../occi/errors.js';

export function where(origin: Position): string {
  return `${origin.file}:${origin.line}`;
}

export function transportError(e: BackendFailure, what: string): OcciError {
  const status = e.kind === 'timeout' ? 504 : 502;
  return new OcciError(status, `${what}: ${e.message}`);
}

/** Maps a backend status outside the expected ones to an OCCI status. */
export function mapStatus(status: number, faults: readonly (FaultPlan | undefined)[]): number {
  for (const f of faults) {
    const mapped = f?.status[String(status)];
    if (mapped !== undefined) return mapped;
  }
  if (status >= 400 && status < 500) return status;
  if (status === 503) return 503;
  return 502;
}

export async function backendFault(
  status: number,
  body: unknown,
  faults: readonly (FaultPlan | undefined)[],
  what: string,
): Promise<OcciError> {
  const occiStatus = mapStatus(status, faults);
  let message: string | undefined;
  if (status < 500) {
    for (const f of faults) {
      if (!f?.message || body === undefined) continue;
      try {
        const m = await f.message.evaluate(body);
        if (typeof m === 'string' && m.trim() !== '') {
          message = m;
          break;
        }
        if (Array.isArray(m) && typeof m[0] === 'string') {
          message = m[0];
          break;
        }
      } catch {
        // An unexpected error body: fall back to the generic message.
      }
    }
  }
  return new OcciError(occiStatus, message ?? `${what}: backend answered ${status}`);
}

/**
 * An error a rule raises on purpose with $fail(status, message). A 4xx (or 501, 503, 504) is the
 * answer the rule chose; anything else is the rule's own fault, reported as 502 naming it.
 */
export class RuleFailure extends OcciError {
  constructor(status: number, message: string) {
    super(Number.isInteger(status) && status >= 400 && status < 600 ? status : 502, message);
  }
}

const CHOSEN = (status: number) =>
  (status >= 400 && status < 500) || status === 501 || status === 503 || status === 504;

/** The rules are at fault (an expression failed, a budget ran out): 502 naming the rule. */
export class RuleError extends OcciError {
  constructor(
    readonly origin: Position,
    what: string,
    detail: string,
  ) {
    super(502, `rule at ${where(origin)} failed (${what}): ${detail}`);
  }
}

/** A failure of a rule's own expressions: the rule is at fault, so 502 naming it. */
export function ruleError(e: unknown, origin: Position, what: string): OcciError {
  if (e instanceof RuleFailure && !CHOSEN(e.status)) return new RuleError(origin, what, e.message);
  if (e instanceof OcciError) return e;
  if (e instanceof BackendFailure) return transportError(e, what);
  const detail = e instanceof ExpressionError || e instanceof Error ? e.message : String(e);
  return new RuleError(origin, what, detail);
}
