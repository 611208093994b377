// Synnefo-style faults: an error that knows its HTTP status and renders itself as
// {"<faultName>": {"code", "message", "details"}}, the body every Cyclades API returns on failure.

export interface FaultOptions {
  /** Extra response headers, e.g. `Allow` on 405. */
  headers?: Record<string, string>;
  /** Django answers some errors without a JSON body (405 on volume/image URLs, absent tags). */
  bare?: boolean;
  details?: string;
}

export class CycladesFault extends Error {
  readonly status: number;
  readonly faultName: string;
  readonly details: string;
  readonly headers: Record<string, string> | undefined;
  readonly bare: boolean;

  constructor(status: number, faultName: string, message: string, options: FaultOptions = {}) {
    super(message);
    this.status = status;
    this.faultName = faultName;
    this.details = options.details ?? '';
    this.headers = options.headers;
    this.bare = options.bare ?? false;
  }

  toBody(): Record<string, { code: number; message: string; details: string }> {
    return { [this.faultName]: { code: this.status, message: this.message, details: this.details } };
  }
}

export const badRequest = (message: string) => new CycladesFault(400, 'badRequest', message);
export const forbidden = (message: string) => new CycladesFault(403, 'forbidden', message);
export const itemNotFound = (message: string) => new CycladesFault(404, 'itemNotFound', message);
export const conflict = (message: string) => new CycladesFault(409, 'conflict', message);
export const buildInProgress = (message: string) => new CycladesFault(409, 'buildInProgress', message);
export const overLimit = (message: string, details = '') =>
  new CycladesFault(413, 'overLimit', message, { details });
export const notImplemented = (message: string) => new CycladesFault(501, 'notImplemented', message);

export const endpointNotFound = () => badRequest('API endpoint not found');

export function notAllowed(allow: string, bare: boolean): CycladesFault {
  return new CycladesFault(405, 'notAllowed', 'Method not allowed', { headers: { Allow: allow }, bare });
}

/** The fault name Synnefo uses for a status code, for injected faults given only a status. */
const NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'notAllowed',
  409: 'conflict',
  413: 'overLimit',
  415: 'badMediaType',
  500: 'internalServerError',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

const MESSAGES: Record<number, string> = {
  500: 'Unexpected error',
  503: 'Service Unavailable',
};

export function faultForStatus(status: number, message?: string): CycladesFault {
  const name = NAMES[status] ?? (status >= 500 ? 'internalServerError' : 'badRequest');
  return new CycladesFault(status, name, message ?? MESSAGES[status] ?? name);
}

/** Anything that is not a CycladesFault is a bug; it still answers like Synnefo does, never crashes. */
export function toFault(err: unknown): CycladesFault {
  if (err instanceof CycladesFault) return err;
  return faultForStatus(500);
}
