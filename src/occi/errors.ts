// The one request-time error type: it carries the HTTP status to answer with and a message that
// names what is wrong; the server renders it in the client's media type.

export class OcciError extends Error {
  /** The status OCCI 1.1 gives this error where it differs (1.1 answers 403 where 1.2 says 400). */
  occi11Status?: number;

  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. WWW-Authenticate on 401 or Allow on 405. */
    readonly headers: Record<string, string> = {},
  ) {
    // A client error is an answer, not a fault to debug: no stack trace is captured (capturing one
    // cost more than the rest of a 401). Error.stackTraceLimit is read when the Error is made.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'OcciError';
  }
}

export const badRequest = (message: string) => new OcciError(400, message);
/** 400, which OCCI 1.1 calls 403: an immutable attribute changed, a mixin that does not apply. */
export const forbiddenIn11 = (message: string) => Object.assign(badRequest(message), { occi11Status: 403 });
export const notFound = (message: string) => new OcciError(404, message);
export const conflict = (message: string) => new OcciError(409, message);
export const forbidden = (message: string) => new OcciError(403, message);
export const notImplemented = (message: string) => new OcciError(501, message);
export const methodNotAllowed = (allow: readonly string[], message?: string) =>
  new OcciError(405, message ?? `method not allowed here; allowed: ${allow.join(', ')}`, {
    Allow: allow.join(', '),
  });
