// An HTTP-aware relay between snf-occi and the simulator, for the faults a backend cannot make
// itself: the connection reset before the request reaches the backend (as good as refused), reset
// after the backend acted, an answer withheld (with or without the backend having acted), a reply
// dropped after the backend acted. A fault is armed for the nth request matching a method and a
// path; every other request is forwarded as it is.
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type RelayMode =
  /** Forwarded as it is (a rule in this mode only counts requests or runs `before`). */
  | 'pass'
  /** The connection is reset before anything is forwarded: the backend never sees the request. */
  | 'refuse'
  /** Forwarded; once the backend has answered, the connection is reset instead of relaying the answer. */
  | 'reset'
  /** Not forwarded, never answered: the connection stays open until the client gives up. */
  | 'hang'
  /** Forwarded (the backend acts); its answer is withheld until the client gives up. */
  | 'hang-after'
  /** Forwarded; the backend's answer is thrown away and the connection closed. */
  | 'drop-reply';

export interface RelayRule {
  method: string;
  /** Tested against the path without the query string, e.g. /compute/v2.0/servers$. */
  path: RegExp;
  /** Which matching request is hit: 0 the first (default), 1 the second… */
  nth?: number;
  mode: RelayMode;
  /** Runs just before the hit request is forwarded (e.g. arms a simulator fault for it). */
  before?: () => void;
}

export interface ArmedRule extends RelayRule {
  /** Matching requests seen so far. */
  seen: number;
  /** Whether the nth one came (the fault was applied). */
  fired: boolean;
  /** Requests it holds without an answer right now (hang modes). */
  held: number;
}

export interface Relay {
  readonly url: string;
  /** Where requests go (the simulator's URL); set once it is known. */
  target: string;
  arm(rule: RelayRule): ArmedRule;
  disarm(): void;
  /** Requests received so far. */
  readonly count: number;
  close(): Promise<void>;
}

/** Hop-by-hop headers are the relay's own business on each side. */
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

function endToEnd(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  return out;
}

export async function startRelay(): Promise<Relay> {
  const agent = new Agent({ keepAlive: true });
  const rules: ArmedRule[] = [];
  const sockets = new Set<Socket>();
  let count = 0;
  let target = '';

  /** Sends the request on; `onAnswer` gets the backend's answer (or undefined if it never came). */
  const forward = (req: IncomingMessage, onAnswer: (res: IncomingMessage | undefined) => void) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
    const up = request(`${target}${req.url}`, { method: req.method, headers, agent }, onAnswer);
    up.on('error', () => onAnswer(undefined));
    req.pipe(up);
  };

  const relayAnswer = (req: IncomingMessage, res: ServerResponse) =>
    forward(req, (answer) => {
      if (!answer) {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.statusCode ?? 502, endToEnd(answer.rawHeaders));
      answer.pipe(res);
    });

  const server = createServer((req, res) => {
    count++;
    const path = (req.url ?? '/').split('?')[0]!;
    const rule = rules.find((r) => !r.fired && r.method === req.method && r.path.test(path));
    const hit = rule !== undefined && rule.seen++ === (rule.nth ?? 0);
    if (!rule || !hit) return relayAnswer(req, res);
    rule.fired = true;
    rule.before?.();
    if (rule.mode === 'hang' || rule.mode === 'hang-after') {
      rule.held++;
      req.socket.once('close', () => rule.held--);
    }
    switch (rule.mode) {
      case 'pass':
        return relayAnswer(req, res);
      case 'refuse':
        req.socket.resetAndDestroy();
        return;
      case 'hang':
        req.resume();
        return;
      case 'reset':
      case 'hang-after':
      case 'drop-reply':
        return forward(req, (answer) => {
          answer?.resume();
          const settled = () => {
            if (rule.mode === 'reset') req.socket.resetAndDestroy();
            else if (rule.mode === 'drop-reply') req.socket.destroy();
            // hang-after: the client's own timeout ends it.
          };
          if (answer) answer.on('end', settled);
          else settled();
        });
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get target() {
      return target;
    },
    set target(t: string) {
      target = t.replace(/\/+$/, '');
    },
    arm(rule) {
      const armed: ArmedRule = { ...rule, seen: 0, fired: false, held: 0 };
      rules.push(armed);
      return armed;
    },
    disarm() {
      rules.length = 0;
    },
    get count() {
      return count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
