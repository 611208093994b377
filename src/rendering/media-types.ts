// Content negotiation for the OCCI renderings: which media type to answer in (Accept) and how to
// read a request body (Content-Type).
import { OcciError } from '../occi/errors.js';

export type Rendering = 'text/plain' | 'text/occi' | 'text/uri-list' | 'application/occi+json';

/** Media types we answer in, with the rendering each selects. Aliases come after the canonical name. */
const RESPONSE_TYPES: [string, Rendering][] = [
  ['text/plain', 'text/plain'],
  ['text/occi', 'text/occi'],
  ['application/occi+json', 'application/occi+json'],
  ['text/uri-list', 'text/uri-list'],
  ['text/occi+plain', 'text/plain'],
  ['application/json', 'application/occi+json'],
];

export const SUPPORTED_MEDIA_TYPES = RESPONSE_TYPES.map(([t]) => t);

interface AcceptItem {
  type: string;
  q: number;
  order: number;
}

function parseAccept(header: string): AcceptItem[] {
  const items: AcceptItem[] = [];
  header.split(',').forEach((part, order) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (!type) return;
    let q = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9.]+)$/.exec(p);
      if (m) q = Math.min(1, Math.max(0, Number(m[1]) || 0));
    }
    items.push({ type, q, order });
  });
  return items.sort((a, b) => b.q - a.q || a.order - b.order);
}

function matches(pattern: string, type: string): boolean {
  if (pattern === '*/*' || pattern === type) return true;
  return pattern.endsWith('/*') && type.startsWith(pattern.slice(0, -1));
}

/**
 * Picks the rendering for a response. No Accept, or one satisfied by wildcards, gives text/plain
 * (OCCI 1.1 MUST). text/uri-list only renders listings: asking only for it elsewhere is a 400
 * (OCCI MUST); anything else we cannot satisfy is a 406.
 */
export function negotiate(accept: string | undefined, listing: boolean): Rendering {
  if (!accept || accept.trim() === '') return 'text/plain';
  let uriListAsked = false;
  for (const item of parseAccept(accept)) {
    if (item.q === 0) continue;
    for (const [type, rendering] of RESPONSE_TYPES) {
      if (!matches(item.type, type)) continue;
      if (rendering === 'text/uri-list' && !listing) {
        if (item.type === 'text/uri-list') uriListAsked = true;
        continue;
      }
      return rendering;
    }
  }
  if (uriListAsked) throw new OcciError(400, 'Accept: text/uri-list can only render listings (collections)');
  throw new OcciError(
    406,
    `Accept: cannot render '${accept.slice(0, 100)}'; supported: ${SUPPORTED_MEDIA_TYPES.join(', ')}`,
  );
}

export type RequestFormat = 'text-body' | 'headers' | 'json' | 'uri-list';

/** How to read a request body, from its Content-Type (without parameters). */
export function requestFormat(contentType: string | undefined, hasBody: boolean): RequestFormat {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === '') return hasBody ? 'text-body' : 'headers';
  switch (type) {
    case 'text/plain':
    case 'text/occi+plain':
      return 'text-body';
    case 'text/occi':
      return 'headers';
    case 'application/occi+json':
    case 'application/json':
      return 'json';
    case 'text/uri-list':
      return 'uri-list';
    default:
      throw new OcciError(
        415,
        `Content-Type '${type.slice(0, 100)}' is not supported; use text/plain, text/occi or application/occi+json`,
      );
  }
}
