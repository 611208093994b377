// How an operation's outcome is answered where the specification gives a choice or OCCI versions
// differ: the create answer (201 with the new location, or 200 with the full rendering when the
// client asks for it), absolute Location headers, and OCCI 1.1 clients' habits (204 for an empty
// collection, 403 for an immutable attribute, `Server: … OCCI/1.1`). The engine knows nothing of
// this: it returns what was done, and this module says it the way the client expects.
import type { Operation, OperationResult } from '../engine/operation.js';
import { OcciError } from '../occi/errors.js';
import { SERVER_HEADER } from '../version.js';
import type { Reply } from './request-io.js';

export interface ClientHabits {
  /** The client announces OCCI 1.1 (`User-Agent: … OCCI/1.1`). */
  occi11: boolean;
  /** The client asks for the full rendering of what it creates (`Prefer: return=representation`). */
  representation: boolean;
}

export function clientHabits(headers: { 'user-agent'?: string; prefer?: string | string[] }): ClientHabits {
  const prefer = [headers.prefer ?? []].flat().join(',');
  return {
    occi11: /OCCI\/1\.1(?![0-9])/.test(headers['user-agent'] ?? ''),
    // RFC 7240: `Prefer: return=representation` (among other preferences, any case).
    representation: prefer.split(',').some((p) => /^\s*return\s*=\s*"?representation"?\s*(;|$)/i.test(p)),
  };
}

/** The Server header: the version the client speaks, when it is an older one we also speak. */
export function serverHeader(habits: ClientHabits): string {
  return habits.occi11 ? SERVER_HEADER.replace(/OCCI\/\d+\.\d+/, 'OCCI/1.1') : SERVER_HEADER;
}

/**
 * The reply for an operation's result. A create answers 201 with the new entity's location in the
 * Location header and in the body (OCCI 1.2 HTTP protocol: "an entity instance location … MUST be
 * included"), or, when the client prefers it, 200 with the full rendering (which the spec allows
 * only with 200). `url` makes the Location header absolute like every rendered location.
 */
export function answer(
  op: Operation,
  result: OperationResult,
  habits: ClientHabits,
  url: (path: string) => string,
): Reply {
  const headers = { ...result.headers };
  if (headers.Location) headers.Location = url(headers.Location);
  if (op.op === 'create' && result.status === 201 && result.document.type === 'entity') {
    const entity = result.document.entity;
    if (habits.representation)
      return {
        status: 200,
        document: result.document,
        headers: { ...headers, 'Preference-Applied': 'return=representation' },
      };
    return {
      status: 201,
      document: { type: 'locations', locations: [{ location: entity.location, kind: entity.kind }] },
      headers,
    };
  }
  if (
    habits.occi11 &&
    op.op === 'list' &&
    result.document.type === 'collection' &&
    result.document.entities.length === 0
  )
    // OCCI 1.1 (HTTP rendering §3.6): 204 No Content for an empty collection.
    return { status: 204, document: { type: 'ok' }, headers };
  return { ...result, headers };
}

/** An error as an OCCI 1.1 client expects it: 403 where 1.1 says Forbidden and 1.2 Bad Request. */
export function errorFor(error: OcciError, habits: ClientHabits): OcciError {
  if (habits.occi11 && error.occi11Status && error.occi11Status !== error.status)
    return new OcciError(error.occi11Status, error.message, error.headers);
  return error;
}
