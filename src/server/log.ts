// Structured logging as JSON lines on stderr. Callers pass fields explicitly; nothing here ever
// receives request headers, so tokens cannot reach the log. Paths are scrubbed of query values
// that could carry credentials.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Log {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLog(options: { level?: Level; write?: (line: string) => void } = {}): Log {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const emit = (level: Level, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** A request path fit for logs: query values whose names suggest credentials are replaced. */
export function loggablePath(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((p) =>
      /^[^=]*(token|auth|pass|secret|key)[^=]*=/i.test(p) ? `${p.slice(0, p.indexOf('='))}=REDACTED` : p,
    );
  return `${url.slice(0, q)}?${params.join('&')}`;
}
