// The most recent requests (method, path, status) for tests that count backend calls; a ring
// buffer, with query strings dropped and tokens redacted so that the log never holds a secret.

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
}

export const REQUEST_LOG_SIZE = 1000;
const IDENTITY_TOKENS = '/identity/v2.0/tokens/';

export class RequestLog {
  private readonly ring: (LoggedRequest | undefined)[];
  private next = 0;
  private count = 0;

  private readonly secrets: string[];

  constructor(
    secrets: readonly string[],
    private readonly size = REQUEST_LOG_SIZE,
  ) {
    this.ring = new Array(size);
    // Percent-encoded forms too, since paths are logged as sent.
    this.secrets = [...new Set(secrets.flatMap((s) => [s, encodeURIComponent(s)]))].filter(
      (s) => s.length > 0,
    );
  }

  add(method: string, path: string, status: number): void {
    this.ring[this.next] = { method, path: this.redact(path), status };
    this.next = (this.next + 1) % this.size;
    if (this.count < this.size) this.count++;
  }

  /** Oldest first. */
  entries(): LoggedRequest[] {
    const out: LoggedRequest[] = [];
    const start = (this.next - this.count + this.size) % this.size;
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(start + i) % this.size];
      if (e) out.push(e);
    }
    return out;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.count = 0;
  }

  private redact(path: string): string {
    let p = path;
    const i = p.indexOf(IDENTITY_TOKENS);
    if (i >= 0 && p.length > i + IDENTITY_TOKENS.length)
      p = `${p.slice(0, i + IDENTITY_TOKENS.length)}[redacted]`;
    for (const s of this.secrets) if (p.includes(s)) p = p.split(s).join('[redacted]');
    return p;
  }
}
