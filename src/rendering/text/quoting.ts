// Lexical helpers of the OCCI text renderings: splitting on separators outside quoted strings,
// and quoting/unquoting with escapes. Values are escaped so that no CR, LF or NUL (nor any other
// control or non-ASCII character, where headers are concerned) can reach the wire unescaped.

/**
 * Splits on `separator` where it is outside a double-quoted string and outside a `<URI>` (URIs
 * may contain ',' and ';'); keeps quotes and brackets in the parts.
 */
export function splitOutsideQuotes(input: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let inQuotes = false;
  let inBrackets = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (inQuotes) {
      if (ch === '\\') i++;
      else if (ch === '"') inQuotes = false;
    } else if (inBrackets) {
      if (ch === '>') inBrackets = false;
    } else if (ch === '<') {
      inBrackets = true;
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === separator) {
      parts.push(input.slice(start, i));
      start = i + 1;
    }
  }
  if (inQuotes) throw new UnbalancedQuotes(input);
  parts.push(input.slice(start));
  return parts;
}

export class UnbalancedQuotes extends Error {
  constructor(readonly input: string) {
    super('unbalanced quotes');
  }
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', '"': '"', '\\': '\\' };

/** Removes the surrounding quotes of a quoted-string and resolves its escapes. */
export function unquote(quoted: string): string {
  const body = quoted.slice(1, -1);
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\' || i === body.length - 1) {
      out += ch;
      continue;
    }
    const next = body[++i]!;
    if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
      out += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else {
      out += ESCAPES[next] ?? next;
    }
  }
  return out;
}

export function isQuoted(s: string): boolean {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"');
}

/** Characters quote() escapes: quotes, backslashes, controls (and, for headers, all but printable ASCII). */
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f]/;
const NEEDS_ESCAPE_ASCII = /["\\\x00-\x1f\x7f-\uffff]/;

/**
 * Quotes a string for the text renderings. `asciiOnly` (for header values) also escapes every
 * non-ASCII character as \uXXXX, since HTTP header values are bytes and Node writes them as latin1.
 */
export function quote(value: string, asciiOnly = false): string {
  // Most values need no escape: then they are quoted whole, not copied a character at a time.
  if (!(asciiOnly ? NEEDS_ESCAPE_ASCII : NEEDS_ESCAPE).test(value)) return `"${value}"`;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || (asciiOnly && code > 0x7e))
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
