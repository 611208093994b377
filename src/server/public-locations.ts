// Where the server says its entities are, and which locations a client names are its own.
// Locations are rendered absolute by default (`http://host:port/compute/42`), from the public URL
// the operator gives or else from the address the server listens on, never from the request's
// Host header (which a client or proxy may set to anything). Locations that clients send back are
// turned into paths here, once, so that nothing after this module sees a URL: one naming another
// server is refused, since no backend call may be made on the strength of it.
import { badRequest } from '../occi/errors.js';
import type { ParsedRequest } from '../rendering/parsed.js';

export interface LocationBase {
  /** Base URL without a trailing '/' (e.g. `https://cloud.example.org/occi`); undefined: relative locations. */
  base?: string;
  /** Other bases that also name this server (the listen address when a public URL is set). */
  aliases?: string[];
}

/** Percent-encodes what may not appear raw in a URI path, so rendered locations are always safe. */
function encodePath(path: string): string {
  return path.replace(/[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/g, (ch) => encodeURIComponent(ch));
}

/** The URI to render for a path: absolute under the base, or the path itself in relative mode. */
export function renderLocation(locations: LocationBase, path: string): string {
  return encodePath(locations.base && path.startsWith('/') ? locations.base + path : path);
}

/** `http://0.0.0.0:8080` names no host a client can reach: such bases are not used. */
export function reachable(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host !== '0.0.0.0' && host !== '[::]';
  } catch {
    return false;
  }
}

function isUrl(location: string): URL | undefined {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(location)) return undefined;
  try {
    return new URL(location);
  } catch {
    return undefined;
  }
}

/**
 * The path (and query) a location names on this server: a path as given; a URL under one of our
 * bases, or on the host the client is talking to, without it. Anything else is not ours: 400.
 */
export function ownPath(
  locations: LocationBase,
  location: string,
  requestHost: string | undefined,
  where: string,
): string {
  const url = isUrl(location);
  if (!url) return location;
  for (const base of [locations.base, ...(locations.aliases ?? [])]) {
    if (!base) continue;
    const b = new URL(base);
    const prefix = b.pathname.replace(/\/$/, '');
    if (url.origin === b.origin && (url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)))
      return (url.pathname.slice(prefix.length) || '/') + url.search;
  }
  if (requestHost && url.host.toLowerCase() === requestHost.toLowerCase()) return url.pathname + url.search;
  throw badRequest(
    `${where} '${location.slice(0, 200)}' is not a location on this server${
      locations.base ? ` (${locations.base})` : ''
    }`,
  );
}

/** Turns every location a parsed request carries into a path of this server (see ownPath). */
export function localizeRequest(
  parsed: ParsedRequest,
  locations: LocationBase,
  requestHost: string | undefined,
): ParsedRequest {
  const own = (location: string, where: string) => ownPath(locations, location, requestHost, where);
  parsed.locations = parsed.locations.map((l) => own(l, 'X-OCCI-Location'));
  for (const link of parsed.links) {
    link.target = own(link.target, 'Link target');
    if (link.self !== undefined) link.self = own(link.self, 'Link self');
    if (link.source !== undefined) link.source = own(link.source, 'Link source');
  }
  for (const name of ['occi.core.source', 'occi.core.target']) {
    const value = parsed.attributes[name];
    if (typeof value === 'string') parsed.attributes[name] = own(value, `attribute ${name}`);
  }
  return parsed;
}
