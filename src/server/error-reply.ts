// Errors as the client sees them. Answers of 5xx carry a plain message and the request id; what
// only an operator can use (the position of the rule that failed, the expression's complaint) goes
// to the log under the same request id. Also: an OCCI error sent from outside the OCCI handler (the
// request deadline, shutdown, header limits), rendered in the media type the client accepts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OcciError } from '../occi/errors.js';
import type { CategoryRegistry } from '../occi/registry.js';
import { negotiate, type Rendering } from '../rendering/media-types.js';
import type { Log } from './log.js';
import type { RequestContext } from './request-context.js';
import { type Reply, send } from './request-io.js';

// A position in a rule file, as the engine writes it: mappings/cyclades/compute.yaml:141(:7).
const POSITION = String.raw`[^\s,()'"]+\.ya?ml:\d+(?::\d+)?`;

const PLAIN: Record<number, string> = {
  500: 'internal error',
  502: 'the backend could not carry out this request',
  503: 'the backend is unavailable; retry later',
  504: 'the backend did not answer in time',
};

/** The message a client gets for a 5xx: without rule positions; with the request id. */
export function publicMessage(status: number, message: string, requestId: string | undefined): string {
  let plain: string;
  if (status === 500) plain = PLAIN[500]!;
  else if (new RegExp(`rule at ${POSITION} failed`).test(message))
    plain = PLAIN[status] ?? PLAIN[502]!; // a rule's own failure: nothing in it is for the client
  else
    plain = message
      .replace(new RegExp(`, ${POSITION}\\)`, 'g'), ')')
      .replace(new RegExp(` \\(${POSITION}\\)`, 'g'), '')
      .replace(new RegExp(POSITION, 'g'), 'a rule file');
  return requestId ? `${plain} (request id ${requestId})` : plain;
}

/** A 5xx reply made fit for the client; the original message is logged with the request id. */
export function publicReply(reply: Reply, log: Log, context: RequestContext | undefined): Reply {
  // 501 is an answer about this server's rules (what they do not map), not a failure.
  if (reply.status < 500 || reply.status === 501 || reply.document.type !== 'error') return reply;
  const error = reply.document.error;
  const message = publicMessage(reply.status, error.message, context?.id);
  if (reply.status !== 500)
    // a 500 is logged where it was caught, with its stack
    (context?.log ?? log).warn('request failed', { status: reply.status, error: error.message });
  if (message === error.message) return reply;
  return {
    ...reply,
    document: { type: 'error', error: new OcciError(reply.status, message, error.headers) },
  };
}

/** Sends an OCCI error in the client's media type (text/plain when nothing it accepts fits). */
export function sendOcciError(
  req: IncomingMessage,
  res: ServerResponse,
  registry: CategoryRegistry,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  requestId?: string,
): void {
  if (res.headersSent || res.destroyed) return;
  let rendering: Rendering = 'text/plain';
  try {
    rendering = negotiate(req.headers.accept, false);
  } catch {
    // nothing acceptable: text/plain all the same, as the OCCI handler does
  }
  const text =
    status >= 500 && status !== 501 && requestId ? `${message} (request id ${requestId})` : message;
  send(
    res,
    { status, document: { type: 'error', error: new OcciError(status, text, headers) }, headers },
    rendering,
    { url: (p) => p, registry },
  );
}
