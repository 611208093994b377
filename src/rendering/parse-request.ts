// Parses an OCCI request (its headers and body) into the neutral ParsedRequest, whatever rendering
// the client used. OCCI fields in headers are always read, so text/occi clients that also send a
// Content-Type: text/plain body are understood.
import { badRequest } from '../occi/errors.js';
import { parseJsonBody } from './json/parse-json.js';
import { requestFormat } from './media-types.js';
import { emptyParsedRequest, type ParsedRequest } from './parsed.js';
import { parseTextHeaders, parseTextPlainBody } from './text/parse-text.js';

export interface RawRequest {
  /** Header values by lower-case name, repeated headers kept apart. */
  headers: Record<string, readonly string[] | undefined>;
  contentType: string | undefined;
  body: string;
}

export function parseRequest(raw: RawRequest): ParsedRequest {
  const hasBody = raw.body.trim() !== '';
  const format = requestFormat(raw.contentType, hasBody);
  const parsed = parseTextHeaders(raw.headers, emptyParsedRequest());
  if (!hasBody) return parsed;
  switch (format) {
    case 'text-body':
      return parseTextPlainBody(raw.body, parsed);
    case 'json':
      return parseJsonBody(raw.body, parsed);
    case 'uri-list':
      for (const line of raw.body.split(/\r?\n/)) {
        const l = line.trim();
        if (l !== '' && !l.startsWith('#')) parsed.locations.push(l);
      }
      return parsed;
    case 'headers':
      // text/occi carries its data in headers; the body is conventionally "OK" or empty.
      if (!/^\s*(OK)?\s*$/i.test(raw.body))
        throw badRequest('text/occi request: OCCI data belongs in headers, the body must be empty');
      return parsed;
  }
}
