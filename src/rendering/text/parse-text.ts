// Parses OCCI text data, whether it came in HTTP headers (text/occi) or as header-like lines in a
// text/plain body, into the neutral ParsedRequest.
import { badRequest } from '../../occi/errors.js';
import { emptyParsedRequest, type ParsedRequest } from '../parsed.js';
import {
  clip,
  parseAttribute,
  parseCategory,
  parseLink,
  parseLocation,
  splitHeaderValues,
} from './parse-values.js';

/** The OCCI text fields, by lower-case name. */
export const OCCI_FIELDS = ['category', 'link', 'x-occi-attribute', 'x-occi-location'] as const;
export type OcciField = (typeof OCCI_FIELDS)[number];

const DISPLAY: Record<OcciField, string> = {
  category: 'Category',
  link: 'Link',
  'x-occi-attribute': 'X-OCCI-Attribute',
  'x-occi-location': 'X-OCCI-Location',
};

/** Adds the values of one field (each possibly comma-joined) to a parsed request. */
export function addField(into: ParsedRequest, field: OcciField, values: readonly string[]): void {
  const header = DISPLAY[field];
  for (const joined of values) {
    for (const value of splitHeaderValues(header, joined)) {
      switch (field) {
        case 'category':
          into.categories.push(parseCategory(value));
          break;
        case 'link':
          into.links.push(parseLink(value));
          break;
        case 'x-occi-attribute': {
          const [name, attr] = parseAttribute(header, value);
          if (Object.hasOwn(into.attributes, name))
            throw badRequest(`${header} header: attribute '${name}' given twice`);
          into.attributes[name] = attr;
          break;
        }
        case 'x-occi-location':
          into.locations.push(parseLocation(header, value));
          break;
      }
    }
  }
}

/** Parses the OCCI fields of a header map whose values are lists (repeated headers kept apart). */
export function parseTextHeaders(
  headers: Record<string, readonly string[] | undefined>,
  into = emptyParsedRequest(),
) {
  for (const field of OCCI_FIELDS) {
    const values = headers[field];
    if (values?.length) addField(into, field, values);
  }
  return into;
}

/**
 * Parses a text/plain body: one `Name: value` per line; lines starting with white space continue
 * the previous one (header folding); blank lines are skipped; unknown field names are errors.
 */
export function parseTextPlainBody(body: string, into = emptyParsedRequest()): ParsedRequest {
  const lines: { no: number; text: string }[] = [];
  body.split(/\r?\n/).forEach((line, index) => {
    if (/^[ \t]/.test(line) && lines.length > 0 && line.trim() !== '') {
      lines[lines.length - 1]!.text += ` ${line.trim()}`;
    } else if (line.trim() !== '') {
      lines.push({ no: index + 1, text: line });
    }
  });
  for (const { no, text } of lines) {
    const colon = text.indexOf(':');
    if (colon <= 0)
      throw badRequest(`text/plain body line ${no}: expected 'Name: value', got '${clip(text)}'`);
    const name = text.slice(0, colon).trim().toLowerCase();
    if (!(OCCI_FIELDS as readonly string[]).includes(name)) {
      throw badRequest(`text/plain body line ${no}: unknown field '${clip(text.slice(0, colon).trim())}'`);
    }
    try {
      addField(into, name as OcciField, [text.slice(colon + 1)]);
    } catch (e) {
      if (e instanceof Error && 'status' in e) e.message = `text/plain body line ${no}: ${e.message}`;
      throw e;
    }
  }
  return into;
}
