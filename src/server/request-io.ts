// Reading requests and writing responses at the HTTP level: the body within its size limit,
// header values decoded as UTF-8 where clients sent it, and OcciDocuments rendered onto the wire.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OcciError } from '../occi/errors.js';
import type { OcciDocument, RenderContext, Rendered } from '../rendering/document.js';
import { type Rendering, SUPPORTED_MEDIA_TYPES } from '../rendering/media-types.js';
import { render } from '../rendering/render.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads the body as UTF-8, refusing more than `limit` bytes (declared or streamed) with 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  // No body announced (a GET, mostly): nothing to read, no async iterator to set up.
  if (declared === 0 && req.headers['transfer-encoding'] === undefined) return '';
  if (declared > limit)
    throw new OcciError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new OcciError(413, `request body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return utf8.decode(Buffer.concat(chunks));
  } catch {
    throw new OcciError(400, 'request body is not valid UTF-8');
  }
}

/** Node decodes header bytes as latin1; clients that send UTF-8 get it back as UTF-8. */
function decodeHeader(value: string): string {
  if (!/[^\x00-\x7f]/.test(value)) return value;
  const utf8 = Buffer.from(value, 'latin1').toString('utf8');
  return utf8.includes('\uFFFD') ? value : utf8;
}

/** Header values by lower-case name, repeated headers kept apart. */
export function headerLists(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) out[name] = values.map(decodeHeader);
  }
  return out;
}

export interface Reply {
  status: number;
  document: OcciDocument;
  headers?: Record<string, string>;
  /** The document already rendered in the negotiated media type (the cached query interface). */
  rendered?: Rendered;
}

export function send(res: ServerResponse, reply: Reply, rendering: Rendering, ctx: RenderContext): void {
  const rendered = reply.rendered ?? render(reply.document, rendering, ctx);
  const headers: Record<string, string | string[]> = { ...reply.headers };
  // A created entity's Location is a path; with a public base URL it is rendered absolute, like every location.
  if (typeof headers.Location === 'string' && headers.Location.startsWith('/'))
    headers.Location = ctx.url(headers.Location);
  for (const [name, value] of rendered.headers) {
    const existing = headers[name];
    headers[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  headers.Accept = SUPPORTED_MEDIA_TYPES.join(', ');
  if (reply.status === 204) {
    // No Content: no body, so neither its type nor its length.
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  headers['Content-Type'] = rendered.contentType;
  headers['Content-Length'] = String(Buffer.byteLength(rendered.body));
  res.writeHead(reply.status, headers);
  res.end(rendered.body);
}
