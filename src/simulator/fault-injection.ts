// Injected faults for testing rollback and compensation: the next matching request(s) answer with
// a given status/body (optionally late, after the real handler ran, or by dropping the connection).
// Matching is on the method and the path below the service root, e.g. POST '/subnets'.

export interface InjectedFault {
  method?: string;
  /** Exact path below the service root ('/subnets'), or a RegExp tested against it. */
  path: string | RegExp;
  status: number;
  /** Response body; default is Synnefo's fault body for the status. */
  body?: unknown;
  /** How many requests it applies to; default 1, -1 (or Infinity) for all. */
  times?: number;
  delayMs?: number;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
  /** Let the real handler run (state changes), then answer with the fault: a lost reply. */
  after?: boolean;
}

interface Armed extends InjectedFault {
  remaining: number;
}

export class FaultInjector {
  private armed: Armed[] = [];

  get size(): number {
    return this.armed.length;
  }

  add(f: InjectedFault): void {
    const status = Math.trunc(f.status);
    if (!(status >= 200 && status <= 599) && !f.drop)
      throw new RangeError(`invalid status ${f.status} (200-599)`);
    const times = f.times ?? 1;
    const remaining = times < 0 || !Number.isFinite(times) ? Number.POSITIVE_INFINITY : Math.trunc(times);
    if (remaining === 0) return;
    const path =
      f.path instanceof RegExp ? new RegExp(f.path.source, f.path.flags.replace(/[gy]/g, '')) : f.path;
    this.armed.push({ ...f, status, path, method: f.method?.toUpperCase(), remaining });
  }

  clear(): void {
    this.armed = [];
  }

  list(): unknown[] {
    return this.armed.map((a) => ({
      method: a.method ?? null,
      path: a.path instanceof RegExp ? { regex: a.path.source } : a.path,
      status: a.status,
      remaining: Number.isFinite(a.remaining) ? a.remaining : -1,
      delayMs: a.delayMs ?? 0,
      drop: a.drop ?? false,
      after: a.after ?? false,
    }));
  }

  /** The first armed fault matching this request, consuming one use of it. */
  take(method: string, path: string): InjectedFault | null {
    for (let i = 0; i < this.armed.length; i++) {
      const a = this.armed[i] as Armed;
      if (a.method !== undefined && a.method !== method) continue;
      if (typeof a.path === 'string' ? a.path !== path : !a.path.test(path)) continue;
      a.remaining--;
      if (a.remaining <= 0) this.armed.splice(i, 1);
      return a;
    }
    return null;
  }
}
