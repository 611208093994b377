// Structured logging through pino: one JSON object per line on stderr, with an ISO time, a level
// name and a message. Callers pass fields explicitly; request headers are only ever logged through
// loggableHeaders() (credentials replaced), paths through loggablePath() (credential-like query
// values replaced), and pino's redaction removes the usual credential fields as a second guard.
import pino from 'pino';

export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

export interface Log {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A log whose every line carries these fields (e.g. the request id). */
  child(fields: Record<string, unknown>): Log;
  /** Whether debug lines are written (to skip building their fields otherwise). */
  readonly debugEnabled: boolean;
  /** Whether lines of this level are written (a log that cannot tell may leave it out). */
  enabled?(level: Level): boolean;
}

/** Header names whose values are credentials, wherever they appear. */
const CREDENTIAL_NAME = /token|auth|cookie|pass|secret|key|session|signature|credential/i;

// Fields that hold credentials if anything ever logs them, at the top level or one level down.
const REDACTED_FIELDS = ['token', 'password', 'secret', 'authorization', 'cookie'].flatMap((f) => [
  f,
  `*.${f}`,
]);

export function createLog(options: { level?: Level; write?: (line: string) => void } = {}): Log {
  const destination = options.write ? { write: options.write } : pino.destination({ dest: 2, sync: true }); // synchronous: nothing is lost when the process exits
  const logger = pino(
    {
      level: options.level ?? 'info',
      messageKey: 'message',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_FIELDS, censor: 'REDACTED' },
    },
    destination,
  );
  return wrap(logger);
}

function wrap(logger: pino.Logger): Log {
  const at =
    (level: Level) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (fields) logger[level](fields, message);
      else logger[level](message);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(logger.child(fields)),
    enabled: (level) => logger.isLevelEnabled(level),
    get debugEnabled() {
      return logger.isLevelEnabled('debug');
    },
  };
}

/** A request target fit for logs: query values whose names suggest credentials are replaced. */
export function loggablePath(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((p) => {
      const eq = p.indexOf('=');
      const name = eq < 0 ? p : p.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // a malformed name is logged as sent
      }
      return eq >= 0 && CREDENTIAL_NAME.test(decoded) ? `${name}=REDACTED` : p;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** Request headers fit for logs: every credential-like header's value replaced. */
export function loggableHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = CREDENTIAL_NAME.test(name) ? 'REDACTED' : value;
  }
  return out;
}
