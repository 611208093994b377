// Operator endpoints under /_simulator (a path no Cyclades API uses): state dump, request log,
// fault injection and build failures. No token is needed: bind the simulator to loopback.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, CycladesFault, itemNotFound, notAllowed, toFault } from './faults.js';
import type { FaultInjector, InjectedFault } from './fault-injection.js';
import type { RequestLog } from './request-log.js';
import type { Sim } from './sim.js';
import { takeSnapshot } from './snapshot.js';
import { isObject, own } from './validate.js';

const ADMIN_BODY_LIMIT = 64 * 1024;

export interface AdminDeps {
  sim: Sim;
  faults: FaultInjector;
  log: RequestLog;
}

function reply(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status, { ...headers, 'Content-Length': 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= ADMIN_BODY_LIMIT) chunks.push(c);
    });
    req.on('end', () => {
      if (size > ADMIN_BODY_LIMIT)
        return reject(new CycladesFault(413, 'overLimit', 'Request body too large'));
      try {
        resolve(size === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(badRequest('Could not decode request body as JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** {"method"?, "path" | "pathRegex", "status", "body"?, "times"?, "delayMs"?, "drop"?, "after"?} */
export function parseFault(v: unknown): InjectedFault {
  if (!isObject(v)) throw badRequest('Expected a JSON object describing the fault');
  const path = own(v, 'path');
  const regex = own(v, 'pathRegex');
  const status = own(v, 'status');
  const drop = own(v, 'drop') === true;
  const method = own(v, 'method');
  const times = own(v, 'times');
  const delayMs = own(v, 'delayMs');
  let matcher: string | RegExp;
  if (typeof path === 'string') matcher = path;
  else if (typeof regex === 'string') {
    try {
      matcher = new RegExp(regex);
    } catch {
      throw badRequest(`Invalid pathRegex '${regex}'`);
    }
  } else throw badRequest("A fault needs 'path' (exact, below the service root) or 'pathRegex'");
  if (!drop && (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599)) {
    throw badRequest("A fault needs an integer 'status' (200-599)");
  }
  if (method !== undefined && typeof method !== 'string') throw badRequest("'method' must be a string");
  if (times !== undefined && typeof times !== 'number') throw badRequest("'times' must be a number");
  if (delayMs !== undefined && (typeof delayMs !== 'number' || delayMs < 0)) {
    throw badRequest("'delayMs' must be a non-negative number");
  }
  return {
    path: matcher,
    status: typeof status === 'number' ? status : 0,
    method,
    times,
    delayMs,
    drop,
    after: own(v, 'after') === true,
    body: own(v, 'body'),
  };
}

export function createAdmin(deps: AdminDeps) {
  const { sim, faults, log } = deps;
  const handle = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const method = req.method ?? 'GET';
    let end = path.length;
    while (end > 1 && path.charCodeAt(end - 1) === 47 /* '/' */) end--;
    const route = path.slice(0, end);
    switch (route) {
      case '/_simulator':
        if (method !== 'GET') throw notAllowed('GET', false);
        return reply(res, 200, {
          urls: sim.urls,
          users: [...sim.store.usersById.values()].map((u) => ({
            userId: u.id,
            projectId: u.projectId,
            name: u.name,
          })),
          pendingJobs: sim.lifecycle.size,
          quotas: sim.quotas.limits,
        });
      case '/_simulator/state':
        if (method !== 'GET') throw notAllowed('GET', false);
        return reply(res, 200, takeSnapshot(sim));
      case '/_simulator/requests':
        if (method === 'GET') return reply(res, 200, { requests: log.entries() });
        if (method === 'DELETE') {
          log.clear();
          return reply(res, 204);
        }
        throw notAllowed('DELETE, GET', false);
      case '/_simulator/faults':
        if (method === 'GET') return reply(res, 200, { faults: faults.list() });
        if (method === 'DELETE') {
          faults.clear();
          return reply(res, 204);
        }
        if (method === 'POST') {
          const body = await readJson(req);
          const list = Array.isArray(body) ? body : [body];
          const parsed = list.map(parseFault);
          for (const f of parsed) faults.add(f);
          return reply(res, 201, { faults: faults.list() });
        }
        throw notAllowed('DELETE, GET, POST', false);
      case '/_simulator/fail-builds': {
        if (method !== 'POST') throw notAllowed('POST', false);
        const body = await readJson(req);
        const times = isObject(body) ? (own(body, 'times') ?? 1) : 1;
        if (typeof times !== 'number' || !Number.isInteger(times) || times < 0) {
          throw badRequest("'times' must be a non-negative integer");
        }
        sim.failBuilds = times;
        return reply(res, 200, { failBuilds: sim.failBuilds });
      }
      case '/_simulator/settle':
        if (method !== 'POST') throw notAllowed('POST', false);
        await sim.lifecycle.settle();
        return reply(res, 204);
      default:
        throw itemNotFound(`Unknown simulator endpoint '${route}'`);
    }
  };
  return (req: IncomingMessage, res: ServerResponse, path: string): void => {
    handle(req, res, path).catch((err: unknown) => {
      const f = toFault(err);
      reply(res, f.status, f.bare ? undefined : f.toBody(), f.headers);
    });
  };
}
