// Path routing for one API root: a segment trie built once at start-up, so matching a request is a
// few Map lookups with no regexes. `#name` matches digits only (Synnefo's \d+ ids), `:name` any
// non-empty segment (percent-decoded).
import type { Handler, Params } from './request.js';

export interface RouteOptions {
  /** Reachable without a token (identity, public catalogue answers). */
  public?: boolean;
}

export interface Route {
  handler: Handler;
  public: boolean;
}

interface Node {
  statics: Map<string, Node>;
  param: { name: string; numeric: boolean; node: Node } | null;
  methods: Map<string, Route> | null;
  allow: string;
}

export type Match =
  | { kind: 'route'; route: Route; params: Params }
  | { kind: 'method'; allow: string }
  | { kind: 'none' };

const NONE: Match = { kind: 'none' };
const MAX_ID_DIGITS = 15;

function newNode(): Node {
  return { statics: new Map(), param: null, methods: null, allow: '' };
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > MAX_ID_DIGITS) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function decode(segment: string): string | null {
  if (segment.indexOf('%') < 0) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export class Router {
  private readonly root = newNode();

  /** Pattern like '/servers/#id/metadata/:key'; a trailing '/' is a distinct route (Synnefo is strict). */
  add(method: string, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    let node = this.root;
    for (const seg of pattern.split('/').slice(1)) {
      if (seg.startsWith('#') || (seg.startsWith(':') && seg.length > 1)) {
        const name = seg.slice(1);
        const numeric = seg[0] === '#';
        if (!node.param) node.param = { name, numeric, node: newNode() };
        else if (node.param.name !== name || node.param.numeric !== numeric) {
          throw new Error(`route ${pattern}: conflicting parameter ${seg}`);
        }
        node = node.param.node;
      } else {
        let next = node.statics.get(seg);
        if (!next) {
          next = newNode();
          node.statics.set(seg, next);
        }
        node = next;
      }
    }
    if (!node.methods) node.methods = new Map();
    if (node.methods.has(method)) throw new Error(`route ${method} ${pattern} defined twice`);
    node.methods.set(method, { handler, public: options.public ?? false });
    node.allow = [...node.methods.keys()].sort().join(', ');
    return this;
  }

  match(method: string, path: string): Match {
    if (path.charCodeAt(0) !== 47 /* '/' */) return NONE;
    const segments = path.split('/');
    const params: Params = {};
    const node = this.walk(this.root, segments, 1, params);
    if (!node?.methods) return NONE;
    const route = node.methods.get(method);
    if (!route) return { kind: 'method', allow: node.allow };
    return { kind: 'route', route, params };
  }

  private walk(node: Node, segments: string[], i: number, params: Params): Node | null {
    if (i === segments.length) return node.methods ? node : null;
    const seg = segments[i] as string;
    const next = node.statics.get(seg);
    if (next) {
      const found = this.walk(next, segments, i + 1, params);
      if (found) return found;
    }
    const p = node.param;
    if (p && seg.length > 0) {
      const value = p.numeric ? (isDigits(seg) ? seg : null) : decode(seg);
      if (value !== null && value.length > 0) {
        const found = this.walk(p.node, segments, i + 1, params);
        if (found) {
          params[p.name] = value;
          return found;
        }
      }
    }
    return null;
  }
}
