// What a handler sees (the request context) and returns (a reply), plus the Synnefo rules for
// reading a JSON request body (get_json_body: Content-Type first, then JSON).
import type { IncomingHttpHeaders } from 'node:http';
import { badRequest } from './faults.js';
import type { User } from './model.js';
import type { Sim } from './sim.js';

export type Params = Record<string, string>;

export interface Ctx {
  readonly method: string;
  readonly params: Params;
  readonly query: URLSearchParams | null;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer | null;
  /** The authenticated user (a placeholder on the few routes that need no token). */
  readonly user: User;
  readonly sim: Sim;
}

export interface Reply {
  status: number;
  /** Serialized with JSON.stringify; omit for an empty body. */
  body?: unknown;
  /** A body that is already JSON text (cached renderings). */
  json?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
export const accepted = (body?: unknown): Reply => ({ status: 202, body });
export const noContent = (): Reply => ({ status: 204 });

/** A path parameter the router guarantees to be present. */
export function param(ctx: Ctx, name: string): string {
  return ctx.params[name] ?? '';
}

/** A path parameter declared numeric (`#name` in the route pattern). */
export function intParam(ctx: Ctx, name: string): number {
  return Number(ctx.params[name] ?? Number.NaN);
}

export function queryValue(ctx: Ctx, name: string): string | null {
  return ctx.query ? ctx.query.get(name) : null;
}

/** Synnefo's get_json_body: a body needs `Content-Type: application/json…` and must parse. */
export function jsonBody(ctx: Ctx): unknown {
  const type = ctx.headers['content-type'];
  if (type === undefined) throw badRequest('Missing Content-Type header field');
  if (!type.startsWith('application/json')) throw badRequest(`Unsupported Content-type: '${type}'`);
  return parseJson(ctx.body);
}

export function parseJson(body: Buffer | null): unknown {
  try {
    return JSON.parse(body ? body.toString('utf8') : '');
  } catch {
    throw badRequest('Could not decode request body as JSON');
  }
}
